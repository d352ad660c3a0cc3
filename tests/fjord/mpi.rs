//! Issue 11, feature `mpi`: `mpirun -n N fjord run|sweep` gives the single-process folder
//! byte for byte (timing fields aside), and a failure on one rank ends every rank with one
//! message and the usual exit code. Needs `mpirun` (OpenMPI); skipped where it is absent.

use crate::util::{fjord, hydro_supply, list_dir, pump_failure, scenario_table, stderr, TestDir};
use std::path::Path;
use std::process::{Command, Output};

/// Seven racks on three CDUs (uneven shares over 2 and 3 ranks), a pump failure on the last
/// CDU, a supply short of peak (GPU caps), ten minutes.
fn scenario() -> String {
    scenario_table("10m", "1s", "10s")
        + r#"
[cluster]
gpu = "gb300"
racks = 7

[[workload.jobs]]
name = "train"
kind = "training"
gpus = 360
iteration_s = 6.0
mtbf = "0s"

[[workload.jobs]]
name = "serve"
kind = "inference"
gpus = 100

[cooling]
cdus = 3
"# + &hydro_supply(0.8, 2.0)
        + &pump_failure("2m", "3m", 2)
}

/// Runs `test` with a fresh test folder `name` holding the scenario as `s.toml` and that
/// file's path, where `mpirun` is on the machine (skipped otherwise).
fn mpi_case(name: &str, test: impl FnOnce(&TestDir, &str)) {
    if !have_mpirun() {
        return;
    }
    let dir = TestDir::new(name);
    let sc = dir.write("s.toml", &scenario());
    test(&dir, sc.to_str().expect("utf-8 path"));
}

fn have_mpirun() -> bool {
    let ok = Command::new("mpirun").arg("--version").output().is_ok_and(|o| o.status.success());
    if !ok {
        eprintln!("mpirun not found: MPI tests skipped");
    }
    ok
}

fn mpirun(n: usize, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new("mpirun");
    c.args(["--oversubscribe", "--allow-run-as-root", "-n", &n.to_string()]).arg(env!("CARGO_BIN_EXE_fjord")).args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("spawn mpirun")
}

/// Every file under `a` equals the same file under `b`, except the timing fields of
/// `summary.json` / `summary.md` and the folder name printed in reports.
fn assert_same_tree(a: &Path, b: &Path) {
    let names = list_dir(a);
    assert_eq!(names, list_dir(b), "{} and {} hold different files", a.display(), b.display());
    for n in names {
        let (pa, pb) = (a.join(&n), b.join(&n));
        if pa.is_dir() {
            assert_same_tree(&pa, &pb);
            continue;
        }
        let (ta, tb) = (std::fs::read(&pa).expect("read"), std::fs::read(&pb).expect("read"));
        if n == "summary.json" || n == "summary.md" {
            let keep = |t: &[u8]| -> Vec<String> {
                String::from_utf8_lossy(t)
                    .lines()
                    .filter(|l| !["wall_s", "gpu_steps_per_s", "| Speed |"].iter().any(|k| l.contains(k)))
                    .map(String::from)
                    .collect()
            };
            assert_eq!(keep(&ta), keep(&tb), "{} differs", pa.display());
        } else {
            assert!(ta == tb, "{} and {} differ", pa.display(), pb.display());
        }
    }
}

#[test]
fn mpi_run_is_byte_identical_for_2_and_3_ranks() {
    mpi_case("mpi-run", |dir, sc| {
        let one = dir.join("one");
        let o = fjord().args(["run", sc, "--quiet", "--format", "none", "--threads", "2", "--out"]).arg(&one).output().expect("spawn");
        assert!(o.status.success(), "{}", stderr(&o));
        for (n, threads) in [(2, "1"), (3, "2")] {
            let out = dir.join(&format!("ranks{n}"));
            let o = mpirun(n, &["run", sc, "--quiet", "--format", "none", "--threads", threads, "--out", out.to_str().expect("utf-8")], &[]);
            assert!(o.status.success(), "mpirun -n {n}: {}", stderr(&o));
            assert_same_tree(&one, &out);
        }
        // The pump failure and the caps happened (the comparison is not of idle runs).
        let s = crate::util::summary(&one);
        let mins = crate::util::Csv::read(&one.join("racks.csv")).col("flow_kg_s_min");
        let (lo, hi) = (mins.iter().copied().fold(f64::INFINITY, f64::min), mins.iter().copied().fold(0.0, f64::max));
        assert!(lo < 0.5 * hi, "pump failure not seen: rack flow minima {lo} .. {hi} kg/s");
        assert!(crate::util::metric(&s, "compute_delivered_frac") < 1.0);
    });
}

#[test]
fn mpi_sweep_is_identical_to_one_process() {
    mpi_case("mpi-sweep", |dir, sc| {
        let vary = ["--vary", "cooling.tcs_supply_setpoint_c=34,38,42", "--vary", "workload.jobs[1].mean_utilization_frac=0.3,0.6"];
        let one = dir.join("one");
        let o =
            fjord().args(["sweep", sc, "--quiet", "--set", "scenario.duration=\"2m\""]).args(vary).arg("--out").arg(&one).output().expect("spawn");
        assert!(o.status.success(), "{}", stderr(&o));
        let two = dir.join("two");
        let mut args = vec!["sweep", sc, "--quiet", "--set", "scenario.duration=\"2m\"", "--out", two.to_str().expect("utf-8")];
        args.extend(vary);
        let o = mpirun(2, &args, &[]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert_same_tree(&one, &two);
        assert_eq!(list_dir(&two).iter().filter(|n| n.starts_with("case_")).count(), 6);
    });
}

#[test]
fn mpi_failure_on_one_rank_ends_all_with_one_message() {
    mpi_case("mpi-fail", |dir, sc| {
        // A rank other than 0 fails as the run starts: rank 0 prints its message, exit 1.
        let out = dir.join("out");
        let o = mpirun(3, &["run", sc, "--quiet", "--out", out.to_str().expect("utf-8")], &[("FJORD_FAULT_RANK", "1")]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let err = stderr(&o);
        assert_eq!(err.matches("error: ").count(), 1, "{err}");
        // (mpirun may print its own banner in the middle of the line.)
        assert_eq!(err.matches("rank 1: fault injected").count(), 1, "{err}");
        assert_eq!(list_dir(dir.path()), ["s.toml"], "nothing written");
        assert!(!err.contains("fjord: interrupted"), "a rank said it was interrupted: {err}");
        // Rank 0 refuses the run folder (a file is in the way): the single-process exit code
        // (2, a bad --out), one message.
        dir.write("afile", "");
        let bad_out = dir.join("afile/run");
        let single = fjord().args(["run", sc, "--quiet", "--out"]).arg(&bad_out).output().expect("spawn");
        assert_eq!(single.status.code(), Some(2), "{}", stderr(&single));
        let o = mpirun(2, &["run", sc, "--quiet", "--out", bad_out.to_str().expect("utf-8")], &[]);
        assert_eq!(o.status.code(), single.status.code(), "{}", stderr(&o));
        assert_eq!(stderr(&o).matches("error: ").count(), 1, "{}", stderr(&o));
        // Bad input is found before any rank simulates: exit 2, one message, nothing written.
        let bad = dir.write("bad.toml", &scenario().replace("racks = 7", "rackz = 7"));
        let o = mpirun(3, &["run", bad.to_str().expect("utf-8"), "--quiet", "--out", out.to_str().expect("utf-8")], &[]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        let err = stderr(&o);
        assert_eq!(err.matches("did you mean `racks`").count(), 1, "{err}");
        let o =
            mpirun(2, &["sweep", bad.to_str().expect("utf-8"), "--quiet", "--vary", "cooling.cdus=1,2", "--out", out.to_str().expect("utf-8")], &[]);
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert!(!out.exists());
    });
}
