#!/usr/bin/env python3
"""Writes nvidia-smi-h100-8gpu.csv: a synthetic 8 x H100 SXM training log in the exact shape of

    nvidia-smi --query-gpu=timestamp,index,power.draw,utilization.gpu,temperature.gpu,clocks.sm \
               --format=csv -lms 250

(header with units in brackets, values with units, one row per GPU per sample). No public
H100 training log with a licence that allows redistribution was found (docs/VALIDATION.md says
how to fetch real ones); this file is made to behave like one, *not* with fjord's model:

* 15 s start-up (data loading, ~80 W), then bulk-synchronous iterations of ~2 s (72 % compute,
  the rest all-reduce and data loading), a 12 s checkpoint at 150 s;
* `utilization.gpu` is the share of the trailing sample window in which a kernel ran (it
  saturates near 100 % in compute and reads ~35 % in communication, as nvidia-smi does);
* board power rises late and steeply with that metric and each iteration's arithmetic
  intensity varies (memory-bound kernels also read 100 %):
  P = L(T) * (72 + 560 * s * u^2.2) + noise, s ~ U(0.8, 1.05) per iteration, noise 12 W;
* leakage L(T) = 0.85 + 0.15 exp(0.03 (T - 60)); junction RC (R = 0.055 K/W, tau = 5 s) on a
  loop that warms from 30 to 36 degC; temperatures reported as integers.

Deterministic (seeded). Run: python3 tests/data/make_h100_trace.py > tests/data/nvidia-smi-h100-8gpu.csv
"""
import math
import random
import sys

random.seed(20240305)
N_GPU, DT, SAMPLE, DURATION = 8, 0.01, 0.25, 300.0
R, TAU = 0.055, 5.0
t0 = 1709632800.0  # 2024-03-05 10:00:00 (node local time, as nvidia-smi prints it)

period = [2.0 + random.gauss(0, 0.03) for _ in range(400)]
starts = [15.0]
for p in period:
    starts.append(starts[-1] + p)
intensity = [[random.uniform(0.8, 1.05) for _ in range(len(starts))] for _ in range(N_GPU)]
offset = [random.gauss(0, 1.0) for _ in range(N_GPU)]


def phase(t):
    """(kernel active 0/1 share model value, iteration index or -1)."""
    if t < 15.0 or 150.0 <= t < 162.0:
        return 0.02, -1
    k = max(i for i in range(len(starts)) if starts[i] <= t) if t >= starts[0] else 0
    x = (t - starts[k]) / period[min(k, len(period) - 1)]
    return (1.0 if x < 0.72 else 0.0), k


out = sys.stdout
out.write("timestamp, index, power.draw [W], utilization.gpu [%], temperature.gpu, clocks.sm [MHz]\n")
temp = [30.0 + offset[g] for g in range(N_GPU)]
acc_u = [0.0] * N_GPU
acc_p = [0.0] * N_GPU
steps = int(round(SAMPLE / DT))
n_samples = int(DURATION / SAMPLE)
d = math.exp(-DT / TAU)
for s in range(n_samples):
    for g in range(N_GPU):
        acc_u[g] = acc_p[g] = 0.0
    for k in range(steps):
        t = s * SAMPLE + k * DT
        active, it = phase(t)
        for g in range(N_GPU):
            # kernels of the communication phase keep the GPU "busy" ~35 % of the time
            u = active if it >= 0 and active > 0.5 else (0.35 if it >= 0 else active)
            sc = intensity[g][it] if it >= 0 else 0.3
            lk = 0.85 + 0.15 * math.exp(0.03 * (temp[g] - 60.0))
            p = lk * (72.0 + 560.0 * sc * u ** 2.2)
            coolant = 30.0 + 6.0 * (1.0 - math.exp(-t / 120.0)) + offset[g]
            tinf = coolant + p * R
            temp[g] = tinf + (temp[g] - tinf) * d
            acc_u[g] += u / steps
            acc_p[g] += p / steps
    ts = t0 + (s + 1) * SAMPLE
    stamp = "%s.%03d" % (__import__("time").strftime("%Y/%m/%d %H:%M:%S", __import__("time").gmtime(ts)), int(round((ts % 1) * 1000)) % 1000)
    for g in range(N_GPU):
        p = max(60.0, acc_p[g] + random.gauss(0, 12.0))
        u = min(100, max(0, int(round(acc_u[g] * 100 + random.gauss(0, 1.0)))))
        clk = 1980 if u > 50 else 1755
        out.write("%s, %d, %.2f W, %d %%, %d, %d MHz\n" % (stamp, g, p, u, int(round(temp[g])), clk))
