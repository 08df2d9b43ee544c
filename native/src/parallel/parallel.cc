// parallel_for and run_on_pool behind one process-wide thread budget.
//
// The pool: up to `budget` persistent worker threads, started lazily, shared by every caller.
// `active` counts the threads computing under the budget now: pool workers that run a job or
// a chunk, plus callers (the JS thread, a C++ program's thread) inside parallel_for. Async
// jobs wait for active < budget before they take a worker; parallel_for never waits, it
// takes the workers that are free and runs the rest of the range itself.
//
// Why not OpenMP: libgomp gives every master thread its own team, so 4 libuv workers running
// kernels kept 4 teams of budget-1 threads alive, and its idle threads spin for a long time
// (GOMP_SPINCOUNT), taking the JS thread's core between calls. Here idle workers spin about
// kSpinMicros, then keep their core warm (below) while nobody else wants it, then sleep on a
// condition variable.
//
// Keeping the core warm. A core left idle for a few milliseconds comes back slow: on the 2-vCPU
// VM measured, MobileNetV2 at batch 1 on 2 threads took 4.1 ms run back to back but 6.4 (runSync)
// to 7.2 ms (run) after 8 ms idle, the gap a server leaves between requests while it decodes
// the next image (onnxruntime, whose workers spin for tens of ms, 3.5 -> 3.7). So a worker
// whose last job ended less than kWarmMicros ago keeps spinning while no thread of this or any
// process needs its core: it goes to sleep as soon as more threads are runnable than there
// are cores (Linux: /proc/loadavg's count, asked every kYieldEveryMicros, read at most every
// kLoadEveryMicros), or a yield of its core, every kYieldEveryMicros, took longer than
// kYieldTakenMicros (another thread ran there meanwhile). Yielding alone was not enough: next
// to onnxruntime in one process its runs took up to 1.8x as long, its threads left waiting on
// the other core's queue.
// CONVKIT_WORKER_WARM_MS=n sets the window (0: sleep after kSpinMicros, as before).
//
// Sharing the machine. Two kinds of pool threads, by what the JS thread does meanwhile:
// - a sync call's helpers run at the process's priority. The caller computes too, so its event
//   loop waits for the call whatever the helpers' priority. Lowered (nice +2, as all workers
//   were before), a helper next to a busy neighbour at normal priority (onnxruntime's
//   intra-op threads spin-wait for a long while after each of its runs) lost its core to it:
//   GEMM sq1024 on 2 threads took 5.1 ms alone, ~10 ms (its 1-thread time) next to
//   onnxruntime in one process, 5.7 ms there with the helper at nice 0.
// - async workers (run_on_pool's jobs, and the helpers of their parallel_for calls) run at
//   nice +kAsyncNice: the event loop runs meanwhile and must win a contended core
//   (test/robustness/event-loop.test.ts), as when all workers were lowered.
// Each kind prefers its own idle threads, then takes the other kind's: an async job turns a
// sync helper into an async worker for good (a thread can lower its priority, not raise it
// back), a sync call runs an async worker as it is; a new thread starts only when none is
// idle, so the pool still never holds more than the budget (test/robustness/threads.test.ts).
// CONVKIT_WORKER_NICE=n puts both kinds at +n.
//
// Busy neighbours of the same priority. A priority cannot win a core from a thread of the same
// one (onnxruntime's intra-op workers spin for ~30 ms after each of its runs), but the
// scheduler favours a thread that has been sleeping: woken, it preempts the busy thread. A
// helper that spins between calls instead gets no such credit; it is time-sliced with the busy
// thread, descheduled mid-call for milliseconds while the caller waits for its piece. So a
// worker that finds more runnable threads than cores when its share is done sleeps at once
// (no spin, no warm window) and is woken by the next posting. In one process with onnxruntime,
// its runs and ours alternating, batch 1 on 2 threads, the old and new addon in turn three times
// (medians of 30 runs, ms): resnet18 13.0-15.3 against 17.1-17.2 (8.8-9.1 alone), MobileNetV2
// 5.0-5.1 against 6.1-6.5, EfficientNet-B0 7.7-8.4 against 10.6-11.0; SqueezeNet, whose layers
// take tens of microseconds (a wake-up's order), 3.8-4.1 against 2.6-4.1.
//
// And parallel_for cuts each thread's share
// into pieces taken dynamically (run_chunks_on_worker), as the GEMM and conv drivers do their
// tasks (parallel/task-ranges.h): a descheduled thread holds up one piece, not its share.
#include "convkit/parallel.h"
#include "convkit/workspace.h"
#include "parallel/task-ranges.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <system_error>
#include <thread>
#include <vector>

#if defined(__linux__)
#include <pthread.h>
#include <sched.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

#if defined(CONVKIT_USE_OPENMP) && defined(_OPENMP)
#define CONVKIT_OPENMP_TEAMS 1
#include <omp.h>
#endif

#if defined(__x86_64__) || defined(__i386__)
#include "util/x86-intrinsics.h"
#define CONVKIT_PAUSE() _mm_pause()
#elif defined(__aarch64__)
#define CONVKIT_PAUSE() __asm__ __volatile__("yield")
#else
#define CONVKIT_PAUSE() ((void)0)
#endif

namespace convkit {
namespace {

constexpr int kSpinMicros = 50;  // how long an idle worker or a waiting caller spins first
constexpr int kWarmMicros = 20000;        // how long after its last job a worker keeps its core warm
constexpr int kYieldEveryMicros = 50;     // a warm worker yields its core this often
constexpr int kYieldTakenMicros = 20;     // a yield longer than this: another thread wanted the core
constexpr int64_t kLoadEveryMicros = 500;  // the runnable-thread count is read this often at most
constexpr int kAsyncNice = 2;    // async workers' priority below the process's (Linux)

int hardware_threads() {
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    const int n = CPU_COUNT(&set);
    if (n > 0) return std::min(n, 1024);
  }
#endif
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(std::min(n, 1024u));
}

std::atomic<int>& budget() {
  static std::atomic<int> b{hardware_threads()};
  return b;
}

// Per thread: inside a chunk of parallel_for (nested calls run inline); running a job on the
// pool, or being a chunk worker (this thread is already counted in `active`).
thread_local bool inside_chunk = false;
#if !CONVKIT_OPENMP_TEAMS
thread_local bool counted = false;
thread_local bool serves_async = false;  // a pool worker of the async kind (worker::async)
#endif

// The first exception thrown by any chunk, rethrown on the calling thread (an exception
// must never escape a worker thread).
struct first_error {
  std::mutex mu;
  std::exception_ptr error;
  void capture() {
    std::lock_guard<std::mutex> lock(mu);
    if (!error) error = std::current_exception();
  }
};

// [0, n) is cut into `ranges` near-equal contiguous ranges (range r = [n r / ranges,
// n (r + 1) / ranges)), each range into `per_range` near-equal pieces; piece t (of
// ranges * per_range) starts here. The ranges are balanced in tasks, whatever the pieces: with
// pieces over all of [0, n) instead, 14 tasks in 8 pieces gave one thread 8 tasks, the other 6.
int64_t piece_begin(int64_t n, int64_t ranges, int64_t per_range, int64_t t) {
  const int64_t r = t / per_range, j = t % per_range;
  const int64_t lo = n * r / ranges, hi = n * (r + 1) / ranges;
  return lo + (hi - lo) * j / per_range;
}

// Runs pieces [first, last) as one call: fn(begin of first, end of last - 1).
void run_pieces(int64_t n, int64_t ranges, int64_t per_range, int64_t first, int64_t last,
                const std::function<void(int64_t, int64_t)>& fn, first_error& err) {
  const int64_t begin = piece_begin(n, ranges, per_range, first);
  const int64_t end = piece_begin(n, ranges, per_range, last);
  if (begin >= end) return;
  try {
    fn(begin, end);
  } catch (...) {
    err.capture();
  }
}

// Spins briefly with a pause instruction, then gives up: the caller blocks instead.
template <class Ready>
bool spin_until(Ready ready) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(kSpinMicros);
  for (int i = 1;; ++i) {
    if (ready()) return true;
    CONVKIT_PAUSE();
    if ((i & 63) == 0 && std::chrono::steady_clock::now() >= deadline) return ready();
  }
}

#if !CONVKIT_OPENMP_TEAMS

// The warm window (CONVKIT_WORKER_WARM_MS, default kWarmMicros), in microseconds.
int64_t warm_micros() {
  static const int64_t us = [] {
    const char* env = std::getenv("CONVKIT_WORKER_WARM_MS");
    return env != nullptr ? std::max<int64_t>(0, std::atoll(env)) * 1000 : int64_t{kWarmMicros};
  }();
  return us;
}

// True when more threads are runnable now, machine-wide, than this process may use cores (a
// spinning worker's core is wanted). Linux: the running count of /proc/loadavg ("0.52 0.58
// 0.59 3/412 1234"), where it describes this process's cores: not where its affinity is
// narrower than the machine (a cpuset container, whose /proc/loadavg counts the host's
// threads). Elsewhere false (the yield test alone).
bool read_cores_oversubscribed() {
#if defined(__linux__)
  static const int cores = hardware_threads();  // read once: sched_getaffinity is a system call
  static const int fd = cores == static_cast<int>(sysconf(_SC_NPROCESSORS_ONLN))
                            ? open("/proc/loadavg", O_RDONLY | O_CLOEXEC)  // kept for the process's life
                            : -1;
  if (fd < 0) return false;
  char buf[128];
  const ssize_t got = pread(fd, buf, sizeof buf - 1, 0);
  if (got <= 0) return false;
  buf[got] = '\0';
  const char* q = buf;
  for (int spaces = 0; *q != '\0' && spaces < 3; ++q) spaces += *q == ' ';
  int running = 0;
  for (; *q >= '0' && *q <= '9'; ++q) running = running * 10 + (*q - '0');
  return running > cores;
#else
  return false;
#endif
}

// The same, as read at most kLoadEveryMicros ago by any thread: a read costs ~1.8 us here, and
// a worker asks after every share of every call (MobileNetV2 at batch 1 makes ~100 calls of
// 20-30 us per run; alone, in five alternations each, it ran 3.81-3.93 ms reading every time
// against 3.15-3.89 before, in the next five 3.01-3.24 cached against 3.12-3.47).
bool cores_oversubscribed() {
  static std::atomic<int64_t> cache{-1};  // microseconds of the reading << 1 | the answer
  const int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                          std::chrono::steady_clock::now().time_since_epoch()).count();
  const int64_t seen = cache.load(std::memory_order_relaxed);
  if (seen >= 0 && now - (seen >> 1) < kLoadEveryMicros) return (seen & 1) != 0;
  const bool over = read_cores_oversubscribed();
  cache.store(now << 1 | static_cast<int64_t>(over), std::memory_order_relaxed);
  return over;
}

// After spin_until gave up: spins on until `until`, yielding the core every kYieldEveryMicros;
// gives up (false) at `until`, or at once when another thread wants a core (see the file
// comment).
template <class Ready>
bool keep_warm_until(Ready ready, std::chrono::steady_clock::time_point until) {
  using clock = std::chrono::steady_clock;
  if (clock::now() >= until) return ready();
  for (;;) {
    const auto slice_end = clock::now() + std::chrono::microseconds(kYieldEveryMicros);
    for (int i = 1;; ++i) {
      if (ready()) return true;
      CONVKIT_PAUSE();
      if ((i & 63) == 0 && clock::now() >= slice_end) break;
    }
    if (clock::now() >= until || cores_oversubscribed()) return ready();
    const auto before = clock::now();
    std::this_thread::yield();
    if (clock::now() - before > std::chrono::microseconds(kYieldTakenMicros)) return ready();
  }
}

// What a worker is told to run: run(ctx, index), then one decrement of *pending.
struct assignment {
  void (*run)(void* ctx, int index) = nullptr;
  void* ctx = nullptr;
  int index = 0;
  std::atomic<int>* pending = nullptr;
  bool job = false;  // a whole job: the worker gives itself back to the pool afterwards
};

// A posted assignment is either started by its worker or revoked by its poster, never both:
// a parallel_for caller that has run every chunk itself revokes the postings its workers have
// not picked up yet, instead of waiting for sleeping threads to wake (a futex wake-up costs
// tens of microseconds here, more than a small op's whole work).
enum : int { kIdle = 0, kPosted = 1, kStarted = 2, kRevoked = 3 };

struct worker {
  bool async = false;  // an async worker (lowered priority) or a sync call's helper; under pool::mu_
  std::mutex mu;
  std::condition_variable cv;
  std::atomic<uint64_t> posted{0};  // bumped once per assignment
  std::atomic<int> state{kIdle};    // of the latest posting; set to kPosted under mu
  assignment next;                  // written under mu before `posted` is bumped
};

class pool {
 public:
  // Takes up to `want` threads of the budget for the caller (waiting for one when `wait`),
  // counting `self` (the caller) first. Returns the workers taken, appended to `out`. Idle
  // workers of the kind asked for (`async`) first, then of the other kind (a sync helper taken
  // for async work becomes an async worker); a thread is started (of the kind asked for) only
  // when none is idle, so at most `budget` threads ever start.
  int acquire(int want, bool self, bool wait, bool async, std::vector<worker*>& out);
  // Gives back the workers in `ws` (not running anything any more) and `self` counts.
  void release(const std::vector<worker*>& ws, int self);
  void post(worker* w, const assignment& a);
  // True when w had not started its posting: it never will, and will not touch it.
  static bool revoke(worker* w) {
    int s = kPosted;
    return w->state.compare_exchange_strong(s, kRevoked, std::memory_order_acq_rel);
  }
  // Blocks until *pending is 0 (spinning first when `spin`).
  void wait(std::atomic<int>& pending, bool spin);
  pool_stats stats() {
    std::lock_guard<std::mutex> lock(mu_);
    return {static_cast<int>(all_.size()), peak_};
  }

 private:
  static void main_loop(pool* p, worker* w);
  static void finish(pool* p, worker* w, const assignment& a);
  worker* start_worker_locked(bool async);

  std::mutex mu_;
  std::condition_variable slot_free_;  // active_ dropped below the budget
  std::vector<std::unique_ptr<worker>> all_;
  std::vector<worker*> idle_[2];  // [sync helpers, async workers]
  int active_ = 0, peak_ = 0;
  std::mutex done_mu_;
  std::condition_variable done_;  // some assignment's pending reached 0
};

// Never destroyed: detached workers may still wait on it while the process exits.
pool& the_pool() {
  static pool* p = new pool;
  return *p;
}

// The nice increment a worker of this kind runs at: async workers kAsyncNice, a sync call's
// helpers 0; CONVKIT_WORKER_NICE=n sets both.
int worker_nice(bool async) {
  if (const char* env = std::getenv("CONVKIT_WORKER_NICE")) return std::max(0, std::atoi(env));
  return async ? kAsyncNice : 0;
}

// Lowers the calling thread to nice (the process's) + by, the process's being its main
// thread's (Linux: nice is per thread, and a new thread inherits its creator's, which may be a
// lowered worker). Never raises it: a thread cannot raise its priority back without
// privileges, hence the one-way sync -> async conversion.
void lower_this_thread_to(int by) {
#if defined(__linux__)
  errno = 0;
  const int process = getpriority(PRIO_PROCESS, static_cast<id_t>(getpid()));
  if (errno != 0) return;
  const pid_t tid = static_cast<pid_t>(syscall(SYS_gettid));
  const int now = getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
  const int want = std::min(19, process + by);
  if (errno == 0 && now < want) setpriority(PRIO_PROCESS, static_cast<id_t>(tid), want);
#else
  (void)by;
#endif
}

worker* pool::start_worker_locked(bool async) {
  auto w = std::make_unique<worker>();
  worker* raw = w.get();
  raw->async = async;
  try {
    std::thread(main_loop, this, raw).detach();
  } catch (const std::system_error&) {
    return nullptr;  // out of threads: the caller computes with fewer
  }
  all_.push_back(std::move(w));
  return raw;
}

int pool::acquire(int want, bool self, bool wait, bool async, std::vector<worker*>& out) {
  std::unique_lock<std::mutex> lock(mu_);
  if (wait) slot_free_.wait(lock, [&] { return active_ < budget().load(std::memory_order_relaxed); });
  if (self) ++active_;
  int taken = 0;
  const int total = budget().load(std::memory_order_relaxed);
  while (taken < want && active_ < total) {
    worker* w = nullptr;
    std::vector<worker*>& mine = idle_[async ? 1 : 0];
    std::vector<worker*>& other = idle_[async ? 0 : 1];
    if (!mine.empty()) {
      w = mine.back();
      mine.pop_back();
    } else if (!other.empty()) {
      w = other.back();
      other.pop_back();
      // A sync helper taken for async work becomes an async worker for good (it lowers itself
      // when it starts the posting: a thread cannot raise its priority back); an async worker
      // helping a sync call stays one (and runs it lowered).
      if (async) w->async = true;
    } else if ((w = start_worker_locked(async)) == nullptr) {
      break;
    }
    out.push_back(w);
    ++active_;
    ++taken;
  }
  peak_ = std::max(peak_, active_);
  return taken;
}

void pool::release(const std::vector<worker*>& ws, int self) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (worker* w : ws) idle_[w->async ? 1 : 0].push_back(w);
    active_ -= static_cast<int>(ws.size()) + self;
  }
  slot_free_.notify_all();
}

void pool::post(worker* w, const assignment& a) {
  {
    std::lock_guard<std::mutex> lock(w->mu);
    w->next = a;
    w->state.store(kPosted, std::memory_order_relaxed);
    w->posted.fetch_add(1, std::memory_order_release);
  }
  w->cv.notify_one();
}

void pool::wait(std::atomic<int>& pending, bool spin) {
  auto ready = [&] { return pending.load(std::memory_order_acquire) == 0; };
  if (spin && spin_until(ready)) return;
  std::unique_lock<std::mutex> lock(done_mu_);
  done_.wait(lock, ready);
}

void pool::finish(pool* p, worker* w, const assignment& a) {
  if (a.job) p->release({w}, 0);  // before the decrement: the waiter may return at once
  // The decrement is the last touch of the caller's state, which lives on its stack.
  if (a.pending->fetch_sub(1, std::memory_order_acq_rel) == 1) {
    { std::lock_guard<std::mutex> lock(p->done_mu_); }
    p->done_.notify_all();
  }
}

void pool::main_loop(pool* p, worker* w) {
#if defined(__linux__)
  pthread_setname_np(pthread_self(), "convkit-pool");  // for tools and tests (top -H, /proc)
#endif
  counted = true;
  int applied = -1;  // the worker_nice() this thread last lowered itself to
  uint64_t seen = 0;
  auto last_done = std::chrono::steady_clock::now() - std::chrono::hours(1);  // when its last job ended
  for (;;) {
    auto ready = [&] { return w->posted.load(std::memory_order_acquire) != seen; };
    assignment a;
    // With more runnable threads than cores, no spin at all (the file comment: a helper that
    // slept takes its core back from a busy thread when woken; one that spins shares it).
    const bool busy_cores = !ready() && cores_oversubscribed();
    if (busy_cores || (!spin_until(ready) &&
                       !keep_warm_until(ready, last_done + std::chrono::microseconds(warm_micros())))) {
      std::unique_lock<std::mutex> lock(w->mu);
      w->cv.wait(lock, ready);
    }
    bool start;
    {  // under mu, so the assignment read and the state claimed belong to the same posting
      std::lock_guard<std::mutex> lock(w->mu);
      a = w->next;
      seen = w->posted.load(std::memory_order_relaxed);
      int s = kPosted;
      start = w->state.compare_exchange_strong(s, kStarted, std::memory_order_acq_rel);
    }
    if (!start) continue;  // revoked: its caller finished without this thread
    // The kind was set (under the pool's lock) before the posting, which this thread read
    // under w->mu: an async job may have turned a sync helper into an async worker.
    serves_async = w->async;
    const int nice_by = worker_nice(w->async);
    if (nice_by != applied) {
      lower_this_thread_to(nice_by);
      applied = nice_by;
    }
    a.run(a.ctx, a.index);  // never throws: exceptions are captured inside
    // This thread's share is over: its thread_local workspaces were used only by its own
    // chunks (nested parallel_for calls run inline), or, for a whole job, by the job's
    // parallel_for calls, which have all returned. Give back what is above the cap before the
    // caller is told, so the call returns with the memory given back. Never on the caller:
    // it runs chunks too, and the workers read its workspaces until its parallel_for returns.
    workspace_release_above_cap();
    finish(p, w, a);
    last_done = std::chrono::steady_clock::now();
  }
}

// The tasks [0, n) are cut into nt contiguous ranges, one per participant (the caller and the
// workers it took), and each range into up to kPiecesPerRange pieces. A participant runs the
// pieces of its own range first (neighbouring tasks share data, which then stays in its
// core's caches), then takes the pieces left of the others' ranges (parallel/task-ranges.h).
// So a participant the OS deschedules mid-call (a busy neighbour thread, another process)
// holds up at most the piece it is running, not half the call; and a worker that wakes late
// finds its range taken and returns at once. Each task runs once, by the same code whichever
// thread runs it, so results do not depend on the split.
//
// Pieces cost a call of fn each, and fn often has per-call set-up (packing, a workspace): on a
// short call that shows (3-7% on 100-500 us convs and pools at 2 threads). So a participant
// times the first piece of its own range, and when it took under kMergeBelowMicros it takes the
// rest of its range at once and runs it as one call: a short call is then cut as a static
// split would cut it, and only a call long enough for a deschedule to matter stays in pieces.
// Not a worker that joined later than that piece took (woken from its sleep): the others,
// done with their ranges, then take pieces of its range, as without merging (a merge there
// made 8 MB element-wise maps at 2 threads no faster than at 1).
// (Which tasks run in which call changes nothing: each task is run once, by the same code.)
constexpr int64_t kPiecesPerRange = 4;
constexpr int64_t kMergeBelowMicros = 100;

struct chunk_ctx {
  int64_t n;
  int nt;
  int64_t per_range;  // pieces in each participant's range: min(kPiecesPerRange, n / nt) >= 1
  const std::function<void(int64_t, int64_t)>* fn;
  first_error* err;
  std::unique_ptr<std::atomic<int64_t>[]> taken;  // [nt]: pieces taken of each range
  std::chrono::steady_clock::time_point posted;   // when the caller posted the call
  // Runs pieces [first, last) as one call of fn.
  void run(int64_t first, int64_t last) const { run_pieces(n, nt, per_range, first, last, *fn, *err); }
};

void run_chunks_on_worker(void* ctx, int index) {
  auto* c = static_cast<chunk_ctx*>(ctx);
  inside_chunk = true;
  const int self = index % c->nt;
  // The first piece of its own range [lo, hi), timed; thieves take pieces from the front of a
  // range too, so what is left of it after this is one contiguous run [first, hi).
  const int64_t lo = self * c->per_range, hi = lo + c->per_range;
  const int64_t t0 = lo + c->taken[self].fetch_add(1, std::memory_order_relaxed);
  if (t0 < hi) {
    const auto start = std::chrono::steady_clock::now();
    c->run(t0, t0 + 1);
    const auto took = std::chrono::steady_clock::now() - start;
    // The caller (index 0) is never late: what it spent before its first piece was posting.
    const bool late = index != 0 && start - c->posted > took;
    if (took < std::chrono::microseconds(kMergeBelowMicros) && !late) {
      const int64_t first = lo + c->taken[self].fetch_add(hi - lo, std::memory_order_relaxed);
      if (first < hi) c->run(first, hi);
    }
  }
  run_own_range_then_others(c->nt * c->per_range, c->nt, self, c->taken.get(),
                            [&](int64_t piece) { c->run(piece, piece + 1); });
  inside_chunk = false;
}

struct job_ctx {
  const std::function<void()>* job;
  std::exception_ptr error;
};

void run_job_on_worker(void* ctx, int) {
  auto* c = static_cast<job_ctx*>(ctx);
  try {
    (*c->job)();
  } catch (...) {
    c->error = std::current_exception();
  }
}

#endif  // !CONVKIT_OPENMP_TEAMS

}  // namespace

void set_num_threads(int n) {
  budget().store(std::clamp(n, 1, max_num_threads()), std::memory_order_relaxed);
#if !CONVKIT_OPENMP_TEAMS
  the_pool().release({}, 0);  // a larger budget may let waiting jobs start
#endif
}
int get_num_threads() { return budget().load(std::memory_order_relaxed); }

bool inside_parallel_for() {
#if CONVKIT_OPENMP_TEAMS
  return inside_chunk || omp_in_parallel();
#else
  return inside_chunk;
#endif
}
int max_num_threads() { return std::max(4, 4 * hardware_threads()); }

bool has_openmp() {
#if CONVKIT_OPENMP_TEAMS
  return true;
#else
  return false;
#endif
}

#if !CONVKIT_OPENMP_TEAMS

void parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  const int want = static_cast<int>(std::min<int64_t>(n, get_num_threads()));
  if (inside_chunk || want <= 1) {
    fn(0, n);
    return;
  }
  pool& p = the_pool();
  const int self = counted ? 0 : 1;  // a pool worker is counted already
  std::vector<worker*> ws;
  ws.reserve(static_cast<size_t>(want - 1));
  // Helpers of the caller's kind: an async job's parallel_for (the caller is an async worker)
  // takes async workers; a sync call (the JS thread computes: its event loop waits anyway)
  // takes helpers at the process's priority.
  p.acquire(want - 1, self != 0, false, counted && serves_async, ws);
  struct give_back {
    pool& p;
    const std::vector<worker*>& ws;
    int self;
    ~give_back() { p.release(ws, self); }
  } held{p, ws, self};
  if (ws.empty()) {
    fn(0, n);
    return;
  }
  const int nt = static_cast<int>(ws.size()) + 1;
  first_error err;
  const int64_t per_range = std::min<int64_t>(kPiecesPerRange, n / nt);  // >= 1: n >= nt
  chunk_ctx ctx{n, nt, per_range, &fn, &err, std::make_unique<std::atomic<int64_t>[]>(nt),
                std::chrono::steady_clock::now()};
  for (int i = 0; i < nt; ++i) ctx.taken[i].store(0, std::memory_order_relaxed);
  std::atomic<int> pending{nt - 1};
  for (size_t i = 0; i < ws.size(); ++i) {
    p.post(ws[i], {run_chunks_on_worker, &ctx, static_cast<int>(i) + 1, &pending, false});
  }
  run_chunks_on_worker(&ctx, 0);
  for (worker* w : ws) {
    if (pool::revoke(w)) pending.fetch_sub(1, std::memory_order_relaxed);
  }
  p.wait(pending, true);
  if (err.error) std::rethrow_exception(err.error);
}

void run_on_pool(const std::function<void()>& job) {
  if (counted || inside_chunk) {
    job();
    return;
  }
  pool& p = the_pool();
  std::vector<worker*> ws;
  if (p.acquire(1, false, true, true, ws) == 0) {
    job();  // no thread could be started: compute here (parallel_for counts this thread)
    return;
  }
  job_ctx ctx{&job, nullptr};
  std::atomic<int> pending{1};
  p.post(ws[0], {run_job_on_worker, &ctx, 0, &pending, true});
  p.wait(pending, false);  // jobs take milliseconds: sleep, don't spin
  if (ctx.error) std::rethrow_exception(ctx.error);
}

pool_stats get_pool_stats() { return the_pool().stats(); }

#else  // CONVKIT_OPENMP_TEAMS: the reservation counter only, threads from OpenMP

namespace {
std::atomic<int> threads_in_use{0};
std::atomic<int> peak_in_use{0};
}  // namespace

void parallel_for(int64_t n, const std::function<void(int64_t, int64_t)>& fn) {
  if (n <= 0) return;
  const int want = static_cast<int>(std::min<int64_t>(n, get_num_threads()));
  if (inside_chunk || omp_in_parallel() || want <= 1) {
    fn(0, n);
    return;
  }
  const int total = get_num_threads();
  int used = threads_in_use.load(std::memory_order_relaxed);
  int nt;
  do {
    nt = std::max(1, std::min(want, total - used));
  } while (!threads_in_use.compare_exchange_weak(used, used + nt, std::memory_order_acq_rel));
  struct give_back {
    int nt;
    ~give_back() { threads_in_use.fetch_sub(nt, std::memory_order_acq_rel); }
  } held{nt};
  int peak = peak_in_use.load(std::memory_order_relaxed);
  while (used + nt > peak && !peak_in_use.compare_exchange_weak(peak, used + nt)) {
  }
  if (nt <= 1) {
    fn(0, n);
    return;
  }
  first_error err;
#pragma omp parallel num_threads(nt)
  {
    inside_chunk = true;
    const int t = omp_get_thread_num();
    run_pieces(n, omp_get_num_threads(), 1, t, t + 1, fn, err);
    inside_chunk = false;
    if (omp_get_thread_num() != 0) workspace_release_above_cap();  // a team thread, not the caller
  }
  if (err.error) std::rethrow_exception(err.error);
}

void run_on_pool(const std::function<void()>& job) { job(); }

pool_stats get_pool_stats() { return {0, peak_in_use.load(std::memory_order_relaxed)}; }

#endif

}  // namespace convkit
