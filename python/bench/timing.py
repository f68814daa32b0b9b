"""How torch_bench.py and ort_bench.py time a step, the way `ranet bench` does: 3 untimed warm-up steps, then steps
until `seconds` have passed (at least 3), the upper median of their images/s; and the process's peak RSS."""
import resource
import time


def median_images_per_second(step, batch, seconds):
    """(the median images/s, how many steps were timed)"""
    for _ in range(3):
        step()
    rates, deadline = [], time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(rates) < 3:
        t = time.perf_counter()
        step()
        rates.append(batch / (time.perf_counter() - t))
    return sorted(rates)[len(rates) // 2], len(rates)  # upper median for even counts, as `ranet bench` picks


def peak_rss_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # ru_maxrss is in KB on Linux
