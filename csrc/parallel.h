// The kernels' thread pool (CPU). OpenMP's fork/join collapses on a busy machine: every parallel
// region ends in a barrier, and a helper thread that the OS has descheduled (another process is
// running on its core) stalls the caller until it is scheduled again - a 6 ms frame became
// 100 ms beside two busy processes. Here the calling thread does the work itself and helpers only
// take chunks that are still left when they wake, so a late helper costs nothing and the caller
// never waits for one that has not started (only for a chunk one is running). And helpers are only
// woken for cores that the machine's other runnable threads leave free (/proc/loadavg), so a
// busy machine runs the kernels on the calling thread alone rather than queue behind others.
#pragma once
#include <cstdint>
#include <functional>

namespace poce {

// Threads the kernels may use (the caller included), 1..kMaxThreads: an upper bound, lowered
// call by call to the cores free. The default is the POCE_RT_THREADS environment variable if
// set, else the number of cores (at most 4).
constexpr int kMaxThreads = 64;
int num_threads();
void set_num_threads(int n);
// The threads a job started now would get: num_threads(), lowered to the cores free unless
// adapting to the machine's load is switched off (tests force the threaded paths that way).
int usable_threads();
bool adaptive();
void set_adaptive(bool on);

// Runs fn(begin, end) over [0, n) in chunks of `grain` items, chunks handed out dynamically.
// Runs inline (no helper woken) when there is at most one chunk, one thread is configured, or the
// pool is already busy (a second Python thread calling a kernel, or a nested call).
void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn);

// Grain that splits `n` items of about `cost_ns` each into chunks of >= ~50 us (a wake-up costs
// tens of microseconds), and into about 4 chunks per thread above that for balance.
int64_t grain_for(int64_t n, double cost_ns);

}  // namespace poce
