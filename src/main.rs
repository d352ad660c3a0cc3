//! The `fjord` command line: a thin layer over the library. Exit codes: 0 success,
//! 2 bad input, 1 any other failure, 128 + signal when interrupted (Ctrl-C 130, SIGTERM 143)
//! after removing the unfinished output folder.

use clap::{Parser, Subcommand};
use fjord::error::FjordError;
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "fjord", version, about = "Second-by-second simulator of the power and cooling of GPU clusters")]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

/// Options shared by `run` and `sweep`.
#[derive(clap::Args)]
struct Common {
    /// Override a key: --set cooling.tcs_supply_setpoint_c=35 (repeatable; every case of a sweep).
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run one scenario and write its run folder.
    Run {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// Run folder (default output/<scenario stem>/).
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
        /// Plot format: png (default) or svg; `none` skips plots and the report page.
        #[arg(long, default_value = "png")]
        format: String,
        /// Also write timeseries.parquet (the CSV's columns) for pandas, polars or DuckDB.
        #[arg(long)]
        parquet: bool,
        /// Extra series: `racks` writes racks_timeseries.parquet (one row per rack per record).
        #[arg(long, value_name = "racks")]
        series: Option<String>,
    },
    /// Redraw a run's plots and report page from its files.
    Plot {
        /// Run folder.
        run_dir: PathBuf,
        /// png (default) or svg.
        #[arg(long, default_value = "png")]
        format: String,
    },
    /// Overlay the key series of several runs and tabulate their summaries side by side.
    Compare {
        /// Run folders (at least two).
        #[arg(required = true)]
        run_dirs: Vec<PathBuf>,
        /// Output folder (default output/compare/).
        #[arg(long)]
        out: Option<PathBuf>,
        /// png (default) or svg.
        #[arg(long, default_value = "png")]
        format: String,
    },
    /// Run the grid of cases of one or more --vary axes in parallel.
    Sweep {
        /// Scenario file (TOML).
        scenario: PathBuf,
        /// KEY=A,B,C or KEY=START:STOP:STEP (repeatable; the grid is their product).
        #[arg(long = "vary", value_name = "KEY=VALUES", required = true)]
        vary: Vec<String>,
        /// Output folder (default output/<scenario stem>-sweep/).
        #[arg(long)]
        out: Option<PathBuf>,
        #[command(flatten)]
        common: Common,
        /// png (default), svg, or none (no per-case plots; the sweep plots are still drawn).
        #[arg(long, default_value = "none")]
        format: String,
    },
    /// Validate scenarios and print their resolved size.
    Check {
        /// Scenario files.
        #[arg(required = true)]
        scenarios: Vec<PathBuf>,
        /// Override a key (applies to every file).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
    },
    /// List built-in GPU, coolant and climate presets with their numbers and sources.
    Presets,
    /// Fit the GPU model to telemetry (nvidia-smi, DCGM or CSV) and score it on a held-out tail.
    Calibrate {
        /// Telemetry file.
        telemetry: PathBuf,
        /// GPU preset to start from (e.g. h100).
        #[arg(long)]
        gpu: String,
        /// Share of the trace's time span held out for scoring (its end).
        #[arg(long = "holdout-frac", default_value_t = 0.3)]
        holdout_frac: f64,
        /// Write the fitted `[gpu]` table to this TOML file.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Telemetry format: auto, nvidia-smi, dcgm or csv.
        #[arg(long, default_value = "auto")]
        format: String,
    },
}

fn main() {
    // Ctrl-C / SIGTERM / SIGHUP remove unfinished output folders before exiting.
    fjord::output::runfolder::install_signal_cleanup();
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    #[cfg(feature = "mpi")]
    if matches!(cli.cmd, Cmd::Run { .. } | Cmd::Sweep { .. }) {
        if let Err(e) = fjord::mpi::init() {
            eprintln!("error: {e}");
            std::process::exit(e.exit_code());
        }
        if fjord::mpi::rank() != 0 {
            fjord::output::runfolder::silence_signal_message();
        }
    }
    let result = match cli.cmd {
        Cmd::Run { scenario, out, common, format, parquet, series } => cmd_run(&scenario, out, &common, &format, parquet, series.as_deref()),
        Cmd::Plot { run_dir, format } => cmd_plot(&run_dir, &format),
        Cmd::Compare { run_dirs, out, format } => cmd_compare(&run_dirs, out, &format),
        Cmd::Sweep { scenario, vary, out, common, format } => cmd_sweep(&scenario, &vary, out, &common, &format),
        Cmd::Check { scenarios, sets } => cmd_check(&scenarios, &sets),
        Cmd::Calibrate { telemetry, gpu, holdout_frac, out, format } => cmd_calibrate(&telemetry, &gpu, holdout_frac, out.as_deref(), &format),
        Cmd::Presets => {
            print!("{}", fjord::cli::presets_text());
            Ok(())
        }
    };
    let primary = primary();
    if let Err(e) = &result {
        if primary {
            // One write, so a launcher's output forwarding (mpirun) cannot split the line.
            use std::io::Write as _;
            let _ = std::io::stderr().write_all(format!("error: {e}\n").as_bytes());
        }
    }
    // Other MPI ranks leave quietly: the launcher (mpirun, srun) then reports rank 0's code.
    let code = match &result {
        Err(e) if primary => e.exit_code(),
        _ => 0,
    };
    // From here a signal exits quietly with that code: once rank 0 has exited non-zero the
    // launcher stops the ranks still finalising, which must not then say "interrupted".
    fjord::output::runfolder::finished_with(code);
    // Under MPI every rank waits here until rank 0 has printed, so the launcher does not
    // stop rank 0 mid-message when another rank exits non-zero first.
    #[cfg(feature = "mpi")]
    fjord::mpi::finish();
    if code != 0 {
        std::process::exit(code);
    }
}

/// True for the process that prints (always, but on MPI ranks other than 0).
fn primary() -> bool {
    #[cfg(feature = "mpi")]
    return fjord::mpi::rank() == 0;
    #[cfg(not(feature = "mpi"))]
    true
}

/// Agrees on `r` with the other MPI ranks, if any (see `fjord::mpi::agree`).
fn agreed<T>(r: Result<T, FjordError>) -> Result<T, FjordError> {
    #[cfg(feature = "mpi")]
    return fjord::mpi::agree(r);
    #[cfg(not(feature = "mpi"))]
    r
}

fn parse_format(text: &str, allow_none: bool) -> Result<Option<fjord::plot::ImageFormat>, FjordError> {
    match text {
        "png" => Ok(Some(fjord::plot::ImageFormat::Png)),
        "svg" => Ok(Some(fjord::plot::ImageFormat::Svg)),
        "none" if allow_none => Ok(None),
        other => {
            Err(FjordError::bad("--format", None, "", format!("expected png or svg{}, found \"{other}\"", if allow_none { " or none" } else { "" })))
        }
    }
}

/// `--threads` (1 to 1024) and `--format` (png, svg or none) of `run` and `sweep`.
fn check_threads_and_format(threads: Option<usize>, format: &str) -> Result<Option<fjord::plot::ImageFormat>, FjordError> {
    fjord::engine::run::check_threads(threads)?;
    parse_format(format, true)
}

/// The default output folder: `output/<scenario stem><suffix>` (`fallback` without a stem).
fn default_out(scenario: &std::path::Path, fallback: &str, suffix: &str) -> PathBuf {
    let stem = scenario.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_else(|| fallback.into());
    PathBuf::from("output").join(format!("{stem}{suffix}"))
}

fn cmd_plot(dir: &std::path::Path, format: &str) -> Result<(), FjordError> {
    let fmt = parse_format(format, false)?.unwrap_or(fjord::plot::ImageFormat::Png);
    // `plot` writes plots/ and report.html into the folder: only into one fjord wrote.
    if dir.is_dir() && !fjord::output::runfolder::is_marked(dir) {
        return Err(FjordError::bad(
            &dir.display().to_string(),
            None,
            "",
            format!("not a run folder written by fjord (it has no {}); plot only redraws fjord's own runs", fjord::output::runfolder::MARKER),
        ));
    }
    let plots = fjord::plot::plot_run(dir, fmt)?;
    let page = fjord::plot::write_report(dir, &plots)?;
    for p in &plots {
        println!("{}", p.display());
    }
    println!("{}", page.display());
    Ok(())
}

fn cmd_compare(dirs: &[PathBuf], out: Option<PathBuf>, format: &str) -> Result<(), FjordError> {
    let fmt = parse_format(format, false)?.unwrap_or(fjord::plot::ImageFormat::Png);
    let out = out.unwrap_or_else(|| PathBuf::from("output").join("compare"));
    fjord::output::runfolder::check_dest(&out)?;
    // Never write the comparison over (or around) one of the runs it reads.
    if let Ok(o) = std::fs::canonicalize(&out) {
        if dirs.iter().filter_map(|d| std::fs::canonicalize(d).ok()).any(|d| d.starts_with(&o)) {
            return Err(FjordError::bad(
                &format!("--out {}", out.display()),
                None,
                "",
                "holds one of the runs being compared; choose another folder",
            ));
        }
    }
    let folder = fjord::output::runfolder::RunFolder::create(&out, fjord::output::runfolder::Kind::Compare)?;
    let files = fjord::plot::compare_runs(dirs, &folder.tmp, fmt)?;
    let md = std::fs::read_to_string(folder.file("comparison.md")).ok();
    let out = folder.commit()?;
    if let Some(md) = md {
        println!("{md}");
    }
    println!("{} files in {}", files.len() + 2, out.display());
    Ok(())
}

fn cmd_sweep(path: &std::path::Path, vary: &[String], out: Option<PathBuf>, common: &Common, format: &str) -> Result<(), FjordError> {
    let Common { sets, threads, quiet } = common;
    let (threads, quiet) = (*threads, *quiet);
    let fmt = check_threads_and_format(threads, format)?;
    let axes = vary.iter().map(|v| fjord::sweep::parse_vary(v)).collect::<Result<Vec<_>, _>>()?;
    let n = fjord::sweep::case_count(&axes)?;
    let dest = out.unwrap_or_else(|| default_out(path, "sweep", "-sweep"));
    let bar = progress_bar(n as u64, quiet || !primary(), "{spinner} {bar:25} {pos}/{len} cases ETA {eta}");
    let opts = fjord::sweep::SweepOptions { sets: sets.to_vec(), threads, format: fmt };
    #[cfg(feature = "mpi")]
    let dir = if fjord::mpi::size() > 1 {
        fjord::mpi::sweep(path, &axes, &dest, &opts, &|done, _| bar.set_position(done as u64))?
    } else {
        fjord::sweep::run_sweep(path, &axes, &dest, &opts, &|done, _| bar.set_position(done as u64))?
    };
    #[cfg(not(feature = "mpi"))]
    let dir = fjord::sweep::run_sweep(path, &axes, &dest, &opts, &|done, _| bar.set_position(done as u64))?;
    bar.finish_and_clear();
    if !primary() {
        return Ok(());
    }
    if let Ok(csv) = std::fs::read_to_string(dir.join("sweep.csv")) {
        let keys = ["pue", "gpu_temp_max_c", "throttled_gpu_hours", "compute_delivered_frac", "facility_energy_mwh"];
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next().unwrap_or("").split(',').collect();
        // The varied keys lead the header (a linked axis contributes one column per key).
        let varied: usize = axes.iter().map(|a| a.keys().len()).sum();
        let cols: Vec<usize> = (0..varied).chain(keys.iter().filter_map(|k| header.iter().position(|h| h == k))).collect();
        println!("{}", cols.iter().map(|&c| header[c]).collect::<Vec<_>>().join("  "));
        for l in lines {
            let f: Vec<&str> = l.split(',').collect();
            println!("{}", cols.iter().map(|&c| f.get(c).copied().unwrap_or("")).collect::<Vec<_>>().join("  "));
        }
    }
    println!("sweep folder: {}", dir.display());
    Ok(())
}

fn cmd_run(
    path: &std::path::Path,
    out: Option<PathBuf>,
    common: &Common,
    format: &str,
    parquet: bool,
    series: Option<&str>,
) -> Result<(), FjordError> {
    let Common { sets, threads, quiet } = common;
    let (threads, quiet) = (*threads, *quiet);
    let plots = check_threads_and_format(threads, format)?;
    let rack_series = match series {
        None => false,
        Some("racks") => true,
        Some(other) => return Err(FjordError::bad("--series", None, "", format!("expected racks, found \"{other}\""))),
    };
    #[cfg(feature = "mpi")]
    if rack_series && fjord::mpi::size() > 1 {
        return Err(FjordError::bad("--series", None, "", "racks is written by single-process runs only; run without mpirun"));
    }
    let sc = agreed(fjord::scenario::load(path, sets))?;
    if primary() {
        for w in &sc.warnings {
            eprintln!("warning: {w}");
        }
    }
    let dest = out.unwrap_or_else(|| default_out(path, "run", ""));
    let bar = progress_bar(sc.steps(), quiet || !primary(), "{spinner} {bar:25} {percent:>3}% {msg} ETA {eta}");
    let step_s = sc.step_s;
    let gpus = sc.gpus() as f64;
    // The rate counts from the first step, not from building the engine.
    let start = std::sync::OnceLock::new();
    let progress = |done: u64, _total: u64| {
        let start = start.get_or_init(std::time::Instant::now);
        bar.set_position(done);
        let sim_h = done as f64 * step_s / 3600.0;
        let rate = done as f64 * gpus / start.elapsed().as_secs_f64().max(1e-9);
        bar.set_message(format!("sim {sim_h:.2} h, {rate:.1e} GPU-steps/s"));
    };
    let opts = fjord::engine::run::RunOptions { threads, plots, parquet, rack_series, ..Default::default() };
    #[cfg(feature = "mpi")]
    let res =
        if fjord::mpi::size() > 1 { fjord::mpi::run(sc, &dest, &opts, &progress)? } else { fjord::engine::run::run(sc, &dest, &opts, &progress)? };
    #[cfg(not(feature = "mpi"))]
    let res = fjord::engine::run::run(sc, &dest, &opts, &progress)?;
    bar.finish_and_clear();
    if !primary() {
        return Ok(());
    }
    println!("{}", fjord::cli::summary_table(&res.summary));
    println!("run folder: {}", res.dir.display());
    Ok(())
}

/// A progress bar on stderr, hidden by `--quiet` or when stderr is not a terminal.
fn progress_bar(len: u64, quiet: bool, template: &str) -> indicatif::ProgressBar {
    let target =
        if !quiet && std::io::stderr().is_terminal() { indicatif::ProgressDrawTarget::stderr() } else { indicatif::ProgressDrawTarget::hidden() };
    let bar = indicatif::ProgressBar::with_draw_target(Some(len), target);
    bar.set_style(indicatif::ProgressStyle::with_template(template).unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()));
    bar
}

/// Checks every file (reading its side files as `run` would) and reports each bad one; exit 2
/// if any is bad.
fn cmd_check(paths: &[PathBuf], sets: &[String]) -> Result<(), FjordError> {
    let mut bad = 0;
    for p in paths {
        match fjord::scenario::load(p, sets).and_then(|sc| fjord::cli::check_side_files(&sc).map(|()| sc)) {
            Ok(sc) => {
                for w in &sc.warnings {
                    eprintln!("warning: {w}");
                }
                println!("{}", fjord::cli::check_report(&sc))
            }
            Err(e) if paths.len() > 1 => {
                if e.exit_code() != 2 {
                    return Err(e);
                }
                eprintln!("error: {e}");
                bad += 1;
            }
            Err(e) => return Err(e),
        }
    }
    if bad > 0 {
        return Err(FjordError::bad("check", None, "", format!("{bad} of {} scenario files are bad (each is listed above)", paths.len())));
    }
    Ok(())
}

/// `calibrate --out FILE` replaces only a table fjord wrote (it starts with
/// [`fjord::calibrate::TABLE_HEADER`]); any other existing file is the user's and is refused,
/// before any work.
fn check_calibrate_out(o: &std::path::Path) -> Result<(), FjordError> {
    let shown = o.display().to_string();
    if o.is_dir() {
        return Err(FjordError::bad("--out", None, "", format!("{shown} is a folder; name a file such as fit.toml")));
    }
    if o.exists() {
        let ours = std::fs::read(o).map(|b| b.starts_with(fjord::calibrate::TABLE_HEADER.as_bytes())).unwrap_or(false);
        if !ours {
            return Err(FjordError::bad("--out", None, "", format!("{shown}: a file that fjord did not write; choose another name or remove it")));
        }
    }
    Ok(())
}

fn cmd_calibrate(path: &std::path::Path, gpu: &str, holdout: f64, out: Option<&std::path::Path>, format: &str) -> Result<(), FjordError> {
    let preset = fjord::scenario::presets::gpu_preset(&gpu.to_ascii_lowercase()).ok_or_else(|| {
        let names = fjord::scenario::presets::gpu_names();
        let hint = fjord::error::nearest(&gpu.to_ascii_lowercase(), &names).map(|n| format!(" (did you mean `{n}`?)")).unwrap_or_default();
        FjordError::bad("--gpu", None, "", format!("unknown GPU preset \"{gpu}\"{hint}; expected one of {}", names.join(", ")))
    })?;
    if !(holdout > 0.0 && holdout <= 0.9) {
        return Err(FjordError::bad("--holdout-frac", None, "", format!("expected a share in (0, 0.9], found {holdout}")));
    }
    if let Some(o) = out {
        check_calibrate_out(o)?;
    }
    let fmt = fjord::telemetry::readers::Format::parse(format)
        .ok_or_else(|| FjordError::bad("--format", None, "", format!("expected auto, nvidia-smi, dcgm or csv, found \"{format}\"")))?;
    let t = fjord::telemetry::readers::read(path, fmt, 1.0).map_err(|e| FjordError::bad(&e.path, (e.line > 0).then_some(e.line), "", e.message))?;
    let c = fjord::calibrate::calibrate(&t, preset, holdout).map_err(|m| FjordError::bad(&path.display().to_string(), None, "", m))?;
    print!("{}", fjord::calibrate::report(&c, &path.display().to_string()));
    if let Some(o) = out {
        std::fs::write(o, fjord::calibrate::gpu_table(&c, preset)).map_err(|e| FjordError::io(o, e))?;
        println!("\n[gpu] table written to {}", o.display());
    }
    Ok(())
}
