#!/usr/bin/env bash
# One large fjord run split over nodes (docs/SCALING.md): racks are divided by whole CDUs
# over the ranks, each rank steps its GPUs on --threads cores, and one MPI_Allgatherv per
# step carries the per-CDU sums. The run folder equals a single-process run's byte for byte.
# Build once on a login node:  cargo build --release --features mpi
# Submit:                      sbatch scripts/slurm-run.sh
#SBATCH --job-name=fjord-gigawatt
#SBATCH --nodes=4
#SBATCH --ntasks-per-node=2          # one rank per socket
#SBATCH --cpus-per-task=32           # threads per rank
#SBATCH --time=02:00:00
#SBATCH --output=fjord-run-%j.log
set -euo pipefail
cd "${SLURM_SUBMIT_DIR:-.}"
srun --cpu-bind=cores target/release/fjord run scenarios/gigawatt.toml \
    --set scenario.duration=24h \
    --threads "${SLURM_CPUS_PER_TASK}" --quiet \
    --out "runs/gigawatt-$SLURM_JOB_ID"
