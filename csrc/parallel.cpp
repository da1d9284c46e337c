// Thread pool behind parallel_for (see parallel.h for why not OpenMP).
#include "parallel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <memory>
#include <thread>
#include <vector>

#ifdef POCE_WITH_OPENMP
#include <omp.h>
#endif

namespace poce {
namespace {

int default_threads() {
  if (const char* env = std::getenv("POCE_RT_THREADS")) {
    int n = std::atoi(env);
    if (n >= 1) return std::min(n, kMaxThreads);
  }
  unsigned hw = std::thread::hardware_concurrency();
  return int(std::clamp(hw == 0 ? 1u : hw, 1u, 4u));
}

// Cores the other runnable threads of the machine leave to us, the calling thread's included:
// /proc/loadavg's instantaneous count of runnable tasks (this thread among them), smoothed and
// refreshed at most every 100 ms. Helpers are only woken for cores nobody else wants: on a
// machine already busy (a browser, a call, the tracker's own thread) a helper would wait in the
// run queue and the caller for it. Without /proc it assumes the machine is ours.
int free_cores() {
  static const int ncores = std::max(1u, std::thread::hardware_concurrency());
  static std::mutex m;
  static double others = 0.0;  // smoothed runnable tasks besides the caller
  static int64_t next_ns = 0;
  static std::atomic<int> cached{ncores};
  const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          std::chrono::steady_clock::now().time_since_epoch()).count();
  std::unique_lock<std::mutex> lk(m, std::try_to_lock);
  if (!lk.owns_lock() || now < next_ns) return cached.load();
  next_ns = now + 100000000;
  int running = 0;
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%*f %*f %*f %d", &running) != 1) running = 0;
    std::fclose(f);
  }
  if (running <= 0) return cached.load();
  others = 0.5 * others + 0.5 * double(running - 1);
  cached.store(std::max(1, ncores - int(others + 0.5)));
  return cached.load();
}

}  // namespace

int usable_threads();

namespace {

class Pool {
 public:
  ~Pool() {
    {
      std::lock_guard<std::mutex> lk(m_);
      stop_ = true;
    }
    wake_.notify_all();
    for (auto& t : helpers_) t.join();
  }

  int threads() const { return threads_.load(); }

  void set_threads(int n) {
    threads_.store(std::clamp(n, 1, kMaxThreads));
#ifdef POCE_WITH_OPENMP
    omp_set_num_threads(threads_.load());  // the kernels still on OpenMP follow the same setting
#endif
  }

  void run(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
    if (n <= 0) return;
    grain = std::max<int64_t>(grain, 1);
    int64_t chunks = (n + grain - 1) / grain;
    // helpers besides the caller: at most the setting, the chunks, and the cores free right now
    int want = int(std::min<int64_t>(usable_threads(), chunks)) - 1;
    std::unique_lock<std::mutex> lk(m_, std::defer_lock);
    if (want <= 0 || in_pool_ || !lk.try_lock() || job_ != nullptr) {
      fn(0, n);
      return;
    }
    ensure_helpers(want);
    job_ = &fn;
    n_ = n;
    grain_ = grain;
    next_.store(0);
    active_ = 1;  // the caller
    ++generation_;
    lk.unlock();
    for (int i = 0; i < want; ++i) wake_.notify_one();
    work(fn);
    lk.lock();
    job_ = nullptr;  // closed: a helper waking from now on finds nothing to join
    if (--active_ > 0) done_.wait(lk, [this] { return active_ == 0; });
  }

 private:
  // Takes chunks until none is left (n_ and grain_ stay put until every worker has left).
  void work(const std::function<void(int64_t, int64_t)>& fn) {
    for (;;) {
      int64_t b = next_.fetch_add(grain_);
      if (b >= n_) break;
      fn(b, std::min(b + grain_, n_));
    }
  }

  void ensure_helpers(int want) {
    while (int(helpers_.size()) < want) helpers_.emplace_back([this] { helper(); });
  }

  void helper() {
    in_pool_ = true;
    uint64_t seen = 0;
    std::unique_lock<std::mutex> lk(m_);
    for (;;) {
      wake_.wait(lk, [&] { return stop_ || (job_ != nullptr && generation_ != seen); });
      if (stop_) return;
      seen = generation_;
      ++active_;
      const auto* fn = job_;  // read under the lock: the caller clears job_ when it is done
      lk.unlock();
      work(*fn);
      lk.lock();
      if (--active_ == 0) done_.notify_one();
    }
  }

  std::mutex m_;
  std::condition_variable wake_, done_;
  std::vector<std::thread> helpers_;
  const std::function<void(int64_t, int64_t)>* job_ = nullptr;
  int64_t n_ = 0, grain_ = 1;
  std::atomic<int64_t> next_{0};
  int active_ = 0;
  uint64_t generation_ = 0;
  bool stop_ = false;
  std::atomic<int> threads_{default_threads()};
  static thread_local bool in_pool_;
};

thread_local bool Pool::in_pool_ = false;

Pool& pool() {
  // Leaked on purpose: joining threads from a static destructor at interpreter exit can deadlock.
  static Pool* p = [] {
    auto* q = new Pool();
    q->set_threads(q->threads());
    return q;
  }();
  return *p;
}

}  // namespace

int num_threads() { return pool().threads(); }
std::atomic<bool> g_adaptive{true};
bool adaptive() { return g_adaptive.load(); }
void set_adaptive(bool on) { g_adaptive.store(on); }
int usable_threads() { return g_adaptive.load() ? std::min(pool().threads(), free_cores()) : pool().threads(); }
void set_num_threads(int n) { pool().set_threads(n); }

void parallel_for(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  pool().run(n, grain, fn);
}

int64_t grain_for(int64_t n, double cost_ns) {
  const double min_chunk_ns = 50e3;
  int64_t min_grain = std::max<int64_t>(1, int64_t(min_chunk_ns / std::max(cost_ns, 1e-3)));
  const int threads = usable_threads();
  int64_t balance = (n + 4 * threads - 1) / (4 * threads);
  return std::max(min_grain, balance);
}

}  // namespace poce

// ---- scratch.h
#include "scratch.h"

namespace poce {

void* scratch_bytes(int slot, size_t bytes) {
  struct Buf {
    std::unique_ptr<unsigned char[]> data;
    size_t size = 0;
  };
  thread_local Buf bufs[kScratchSlots];
  Buf& b = bufs[slot];
  if (b.size < bytes || !b.data) {
    size_t n = std::max<size_t>(bytes + bytes / 4, 4096);  // headroom: a face moving by a few pixels
    b.data.reset(new unsigned char[n]);
    b.size = n;
  }
  return b.data.get();
}

}  // namespace poce
