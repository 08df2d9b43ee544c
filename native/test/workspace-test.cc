// The workspace arenas (convkit/workspace.h, util/workspace.h): a thread's workspaces are
// counted per thread and process-wide; release_above_cap frees the largest until the thread
// holds at most the cap and keeps the rest (same memory on the next get); pool workers give
// theirs back after their share of a parallel_for or a run_on_pool job, before the caller
// returns; a thread that exits gives back everything.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <set>
#include <thread>
#include <vector>

#include "convkit/parallel.h"
#include "convkit/workspace.h"
#include "harness.h"
#include "util/workspace.h"

namespace {

constexpr int kBudget = 4;

// Floats in a buffer of `bytes` (a multiple of 64: what get() allocates exactly).
size_t floats(int64_t bytes) { return static_cast<size_t>(bytes) / sizeof(float); }

// A buffer above the cap (16 MiB above it), and one far below it.
int64_t big_bytes() { return convkit::workspace_cap_bytes() + (int64_t{16} << 20); }
constexpr int64_t kSmallBytes = 64 << 10;

thread_local convkit::workspace big_space;
thread_local convkit::workspace small_space;
thread_local convkit::workspace other_space;

// Touches every page, as a kernel would (the memory must really be there).
void touch(float* p, size_t n) {
  for (size_t i = 0; i < n; i += 1024) p[i] = 1.0f;
}

}  // namespace

TEST(cap_default_without_env) {
  if (std::getenv("CONVKIT_WORKSPACE_CAP") != nullptr) return;  // set by whoever runs the test
  CHECK(convkit::workspace_cap_bytes() == (int64_t{32} << 20), "cap %lld",
        (long long)convkit::workspace_cap_bytes());
}

TEST(big_get_is_counted_and_released_above_cap) {
  const int64_t all0 = convkit::workspace_bytes_held();
  const int64_t mine0 = convkit::workspace_thread_bytes_held();
  const int64_t big = big_bytes();
  float* p = big_space.get(floats(big));
  touch(p, floats(big));
  CHECK(big_space.bytes() == static_cast<size_t>(big), "bytes %zu", big_space.bytes());
  CHECK(convkit::workspace_thread_bytes_held() == mine0 + big, "thread %lld, was %lld",
        (long long)convkit::workspace_thread_bytes_held(), (long long)mine0);
  CHECK(convkit::workspace_bytes_held() == all0 + big, "process %lld, was %lld",
        (long long)convkit::workspace_bytes_held(), (long long)all0);
  // A smaller get reuses it: nothing counted twice.
  CHECK(big_space.get(16) == p, "a smaller get moved the buffer");
  CHECK(convkit::workspace_bytes_held() == all0 + big, "process %lld", (long long)convkit::workspace_bytes_held());

  convkit::workspace_release_above_cap();
  CHECK(convkit::workspace_thread_bytes_held() <= convkit::workspace_cap_bytes(), "thread holds %lld",
        (long long)convkit::workspace_thread_bytes_held());
  CHECK(big_space.bytes() == 0, "the big buffer was kept (%zu bytes)", big_space.bytes());
  CHECK(convkit::workspace_bytes_held() == all0, "process %lld, was %lld",
        (long long)convkit::workspace_bytes_held(), (long long)all0);
  // Usable again: the next get allocates afresh.
  touch(big_space.get(1024), 1024);
  CHECK(big_space.bytes() == 4096, "bytes %zu", big_space.bytes());
  big_space.release();
  CHECK(convkit::workspace_thread_bytes_held() == mine0, "thread %lld", (long long)convkit::workspace_thread_bytes_held());
}

TEST(buffers_below_the_cap_are_kept_largest_goes_first) {
  const int64_t mine0 = convkit::workspace_thread_bytes_held();
  float* small = small_space.get(floats(kSmallBytes));
  touch(small, floats(kSmallBytes));
  float* other = other_space.get(floats(2 * kSmallBytes));
  touch(other, floats(2 * kSmallBytes));
  const int64_t kept = mine0 + 3 * kSmallBytes;
  CHECK(kept <= convkit::workspace_cap_bytes(), "test sizes");

  // Below the cap: nothing is freed, the next get of the same size is the same memory.
  for (int call = 0; call < 3; ++call) {
    convkit::workspace_release_above_cap();
    CHECK(small_space.get(floats(kSmallBytes)) == small, "call %d: the small buffer moved", call);
    CHECK(other_space.get(floats(2 * kSmallBytes)) == other, "call %d: the other buffer moved", call);
    CHECK(convkit::workspace_thread_bytes_held() == kept, "call %d: thread holds %lld", call,
          (long long)convkit::workspace_thread_bytes_held());
  }

  // A big one beside them: only the big one goes.
  touch(big_space.get(floats(big_bytes())), floats(big_bytes()));
  CHECK(convkit::workspace_thread_bytes_held() == kept + big_bytes(), "thread holds %lld",
        (long long)convkit::workspace_thread_bytes_held());
  convkit::workspace_release_above_cap();
  CHECK(big_space.bytes() == 0, "big kept");
  CHECK(small_space.get(floats(kSmallBytes)) == small, "the small buffer was freed with the big one");
  CHECK(other_space.get(floats(2 * kSmallBytes)) == other, "the other buffer was freed with the big one");
  CHECK(convkit::workspace_thread_bytes_held() == kept, "thread holds %lld", (long long)convkit::workspace_thread_bytes_held());
  small_space.release();
  other_space.release();
  CHECK(convkit::workspace_thread_bytes_held() == mine0, "thread holds %lld", (long long)convkit::workspace_thread_bytes_held());
}

// Pool workers that took chunks of a parallel_for each allocate a buffer above the cap; they
// give it back before parallel_for returns. The caller's own buffer (it ran a chunk too) is
// kept until it trims itself: workers may read a caller's workspace while the call runs.
TEST(pool_workers_give_back_after_their_chunks) {
  convkit::set_num_threads(kBudget);
  const std::thread::id caller = std::this_thread::get_id();
  for (int round = 0; round < 5; ++round) {
    const int64_t all0 = convkit::workspace_bytes_held();
    const int64_t mine0 = convkit::workspace_thread_bytes_held();
    std::atomic<int> entered{0}, worker_allocs{0};
    convkit::parallel_for(kBudget, [&](int64_t lo, int64_t hi) {
      entered.fetch_add(1);
      // Wait (at most 2 s) for a second thread, so that workers really take chunks.
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(2);
      while (entered.load() < 2 && std::chrono::steady_clock::now() < until) std::this_thread::yield();
      for (int64_t i = lo; i < hi; ++i) {
        float* p = big_space.get(floats(big_bytes()));
        touch(p, floats(big_bytes()));
      }
      if (std::this_thread::get_id() != caller) worker_allocs.fetch_add(1);
    });
    CHECK(worker_allocs.load() >= 1, "round %d: no worker took a chunk", round);
    const int64_t mine = convkit::workspace_thread_bytes_held() - mine0;
    CHECK(convkit::workspace_bytes_held() == all0 + mine, "round %d: process holds %lld, was %lld, caller %lld",
          round, (long long)convkit::workspace_bytes_held(), (long long)all0, (long long)mine);
    convkit::workspace_release_above_cap();
    CHECK(convkit::workspace_bytes_held() <= all0, "round %d: process holds %lld after the caller's trim, was %lld",
          round, (long long)convkit::workspace_bytes_held(), (long long)all0);
  }
}

// A run_on_pool job (an async call's kernel) on a pool worker: its buffers, read by its own
// parallel_for's chunks while it runs, go back when the job is done.
TEST(pool_worker_gives_back_after_a_job) {
  convkit::set_num_threads(kBudget);
  const int64_t all0 = convkit::workspace_bytes_held();
  std::thread::id ran_on;
  int64_t held_in_job = 0;
  convkit::run_on_pool([&] {
    ran_on = std::this_thread::get_id();
    // The job's "padded input", larger than any buffer earlier tests left (so it grows).
    const size_t n = floats(big_bytes() + (int64_t{8} << 20));
    float* shared = big_space.get(n);
    touch(shared, n);
    std::atomic<int> bad{0};
    convkit::parallel_for(64, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        if (shared[static_cast<size_t>(i) * 1024] != 1.0f) bad.fetch_add(1);
      }
    });
    CHECK(bad.load() == 0, "the job's buffer changed under its chunks");
    held_in_job = convkit::workspace_thread_bytes_held();
  });
  CHECK(ran_on != std::this_thread::get_id(), "the job ran on the caller");
  CHECK(held_in_job >= big_bytes(), "the job held %lld", (long long)held_in_job);
  CHECK(convkit::workspace_bytes_held() <= all0, "process holds %lld after the job, was %lld",
        (long long)convkit::workspace_bytes_held(), (long long)all0);
}

// Thread exit destroys the thread's workspaces, in whatever order: the counts drop.
TEST(thread_exit_gives_back) {
  const int64_t all0 = convkit::workspace_bytes_held();
  std::atomic<int64_t> held_inside{0};
  std::thread t([&] {
    touch(small_space.get(floats(kSmallBytes)), floats(kSmallBytes));
    touch(big_space.get(floats(big_bytes())), floats(big_bytes()));
    touch(other_space.get(floats(2 * kSmallBytes)), floats(2 * kSmallBytes));
    held_inside = convkit::workspace_bytes_held();
  });
  t.join();
  CHECK(held_inside.load() == all0 + big_bytes() + 3 * kSmallBytes, "inside %lld, before %lld",
        (long long)held_inside.load(), (long long)all0);
  CHECK(convkit::workspace_bytes_held() == all0, "after exit %lld, before %lld",
        (long long)convkit::workspace_bytes_held(), (long long)all0);
}

// Many threads growing and exiting at once: the process-wide count stays exact.
TEST(concurrent_threads_count_exactly) {
  const int64_t all0 = convkit::workspace_bytes_held();
  std::vector<std::thread> ts;
  for (int i = 0; i < 8; ++i) {
    ts.emplace_back([i] {
      for (int k = 1; k <= 50; ++k) {
        touch(small_space.get(floats(kSmallBytes) * static_cast<size_t>((k + i) % 7 + 1)), 1);
        other_space.get(static_cast<size_t>(k) * 1000);
        if (k % 10 == 0) other_space.release();
        convkit::workspace_release_above_cap();
      }
    });
  }
  for (auto& t : ts) t.join();
  CHECK(convkit::workspace_bytes_held() == all0, "after %lld, before %lld",
        (long long)convkit::workspace_bytes_held(), (long long)all0);
}

int main() { return test::run_all("workspace-test"); }
