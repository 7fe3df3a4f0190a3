"""nnlab's benchmark against scikit-learn and PyTorch: ``python -m benchmarks`` (``make bench``).

Four workloads, each run in its own Python process so that it starts clean:

- W1 MNIST-shaped: 60,000 x 784, 784-128-64-10 ReLU/softmax, plain SGD, batch 256 and full batch;
- W2 flower: 2-4-1 tanh/sigmoid, 400 examples, full batch, 10,000 iterations;
- W3 cat-shaped: 12288-20-7-5-1 ReLU/sigmoid, 209 examples, full batch, 2,500 iterations;
- W4 search throughput: a 16-trial flower search on 1 and 2 processes.

Within a workload the peers run in rounds, one measurement of each back to back, and every
ratio pairs the measurements of one round (the machine's speed drifts between rounds). Each
round times every peer quiet, then busy: with one core kept busy by a background process.

Modules: :mod:`.load` (the busy scenario's background process), :mod:`.flops` (matmul FLOP count and the measured peak GEMM rate, the lower bound, and
the same products timed alone),
:mod:`.peers` (the three trainers and the shared referee cost), :mod:`.workloads` (what each
workload measures), :mod:`.worker` (one workload in one process), :mod:`.report` (statistics,
the JSON schema, the markdown table and the targets), :mod:`.environment` (BLAS, CPU).
"""

WORKLOADS = ("W1", "W2", "W3", "W4")
PEERS = ("nnlab", "sklearn", "torch")
#: 2: "% of bound" against each round's own peak and ratios paired by round (1: one peak, and
#: ratios of medians), with each round's peak and the products timed alone in W1 and W3.
SCHEMA = "nnlab-bench/2"
