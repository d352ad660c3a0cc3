//! The `fjord` command line: a thin layer over the library. Exit codes: 0 success,
//! 2 bad input, 1 any other failure.

use clap::{Parser, Subcommand};
use fjord::error::FjordError;
use std::io::IsTerminal;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "fjord",
    version,
    about = "Second-by-second simulator of the power and cooling of GPU clusters"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
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
        /// Override a key: --set cooling.tcs_supply_setpoint_c=35 (repeatable).
        #[arg(long = "set", value_name = "KEY=VALUE")]
        sets: Vec<String>,
        /// Worker threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
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
}

fn main() {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            std::process::exit(code);
        }
    };
    let result = match cli.cmd {
        Cmd::Run {
            scenario,
            out,
            sets,
            threads,
            quiet,
        } => cmd_run(&scenario, out, &sets, threads, quiet),
        Cmd::Check { scenarios, sets } => cmd_check(&scenarios, &sets),
        Cmd::Presets => {
            print!("{}", fjord::presets_text());
            Ok(())
        }
    };
    if let Err(e) = result {
        eprintln!("error: {e}");
        std::process::exit(e.exit_code());
    }
}

fn cmd_run(
    path: &std::path::Path,
    out: Option<PathBuf>,
    sets: &[String],
    threads: Option<usize>,
    quiet: bool,
) -> Result<(), FjordError> {
    if threads == Some(0) {
        return Err(FjordError::bad(
            "--threads",
            None,
            "",
            "expected at least 1 thread",
        ));
    }
    let sc = fjord::scenario::load(path, sets)?;
    let stem = path
        .file_stem()
        .map(|s| s.to_string_lossy().to_string())
        .unwrap_or_else(|| "run".into());
    let dest = out.unwrap_or_else(|| PathBuf::from("output").join(stem));
    let show = !quiet && std::io::stderr().is_terminal();
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(sc.steps()),
        if show {
            indicatif::ProgressDrawTarget::stderr()
        } else {
            indicatif::ProgressDrawTarget::hidden()
        },
    );
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} {percent:>3}% {msg} ETA {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let step_s = sc.step_s;
    let gpus = sc.gpus() as f64;
    let start = std::time::Instant::now();
    let progress = |done: u64, _total: u64| {
        bar.set_position(done);
        let sim_h = done as f64 * step_s / 3600.0;
        let rate = done as f64 * gpus / start.elapsed().as_secs_f64().max(1e-9);
        bar.set_message(format!("sim {sim_h:.2} h, {:.2e} GPU-steps/s", rate));
    };
    let res = fjord::engine::run::run(
        sc,
        &dest,
        &fjord::engine::run::RunOptions { threads },
        &progress,
    )?;
    bar.finish_and_clear();
    println!("{}", fjord::summary_table(&res.summary));
    println!("run folder: {}", res.dir.display());
    Ok(())
}

fn cmd_check(paths: &[PathBuf], sets: &[String]) -> Result<(), FjordError> {
    for p in paths {
        let sc = fjord::scenario::load(p, sets)?;
        println!("{}", fjord::check_report(&sc));
    }
    Ok(())
}
