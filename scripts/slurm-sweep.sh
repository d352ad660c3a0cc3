#!/usr/bin/env bash
# A fjord design sweep spread over a Slurm allocation (docs/SCALING.md).
# Build once on a login node:  cargo build --release --features mpi
# Submit:                      sbatch scripts/slurm-sweep.sh
# Cases go to ranks one at a time (a rank that finishes takes the next); each case runs on
# one rank with --threads cores. Every case's run folder is written by the rank that ran it,
# so --out must be on a filesystem all nodes share. Rank 0 writes sweep.csv and the plots.
#SBATCH --job-name=fjord-sweep
#SBATCH --nodes=4
#SBATCH --ntasks-per-node=8          # 8 cases at a time per node
#SBATCH --cpus-per-task=4            # threads per case
#SBATCH --time=04:00:00
#SBATCH --output=fjord-sweep-%j.log
set -euo pipefail
cd "${SLURM_SUBMIT_DIR:-.}"
srun --cpu-bind=cores target/release/fjord sweep scenarios/stargate-norway-year.toml \
    --vary cooling.tcs_supply_setpoint_c=25:45:2.5 \
    --vary cooling.heat_rejection.design_ambient_c=18,22,26 \
    --threads "${SLURM_CPUS_PER_TASK}" --quiet \
    --out "sweeps/setpoint-$SLURM_JOB_ID"
