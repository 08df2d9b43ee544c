// Promise-returning calls: validation runs on the JS thread (a failure rejects the promise,
// it never throws synchronously); the kernel runs on a libuv worker, which hands it to the
// compute pool (convkit/parallel.h) and sleeps until it is done, so concurrent async calls
// share the one thread budget instead of each libuv worker computing with a team of its own.
//
// The kernel never touches memory a caller can free: a caller may detach, transfer or shrink
// any array while the call runs, and a reference to the typed array does not keep a detached
// backing store alive. call_arrays (arrays.h) copies the inputs before the call returns, and
// the outputs are either made by the call (y = null) or computed into owned memory and copied
// into the caller's arrays when the kernel is done.
#pragma once
#include <napi.h>

#include "arrays.h"
#include "convkit/parallel.h"
#include "convkit/workspace.h"

#include <exception>
#include <functional>
#include <new>
#include <string>
#include <utility>

namespace convkit::glue {

// Async calls queued or running in this process (every environment), with the bytes each
// holds meanwhile; allocator.cc gives the heap back to the system when a burst of them is over.
void async_call_started(int64_t held_bytes, int64_t output_bytes);
void async_call_finished(int64_t held_bytes);

// The trim point of the workspace cap (convkit/workspace.h) on the thread that ran a kernel
// call: when the call has returned (or thrown), nothing reads this thread's workspaces any more.
// Pool workers trim themselves after their share (parallel.cc); never inside a kernel.
struct trim_workspaces_after_call {
  trim_workspaces_after_call() = default;
  trim_workspaces_after_call(const trim_workspaces_after_call&) = delete;
  trim_workspaces_after_call& operator=(const trim_workspaces_after_call&) = delete;
  ~trim_workspaces_after_call() { convkit::workspace_release_above_cap(); }
};

// A kernel bound to owned copies of its arrays (call_arrays in async mode).
struct bound_call {
  std::function<void()> job;
  call_arrays arrays;
};

class kernel_worker : public Napi::AsyncWorker {
 public:
  kernel_worker(Napi::Env env, const char* op, bound_call call)
      : Napi::AsyncWorker(env, op), mark_(call.arrays.held_bytes(), call.arrays.held_bytes(true)),
        deferred_(Napi::Promise::Deferred::New(env)), op_(op), call_(std::move(call)) {
    // The JS stack of the caller, so an error raised later points at the call site.
    stack_ = Napi::Error::New(env, "").Get("stack").ToString().Utf8Value();
  }

  Napi::Promise promise() const { return deferred_.Promise(); }

  // Runs on the JS thread when the kernel is done, or while the environment is being torn
  // down (worker.terminate(), process.exit() in a worker): then nothing can reach JS and every
  // N-API call may fail, so no failure may escape as a C++ exception (std::terminate).
  void OnWorkComplete(Napi::Env env, napi_status status) override {
    if (status != napi_cancelled) {
      try {
        Napi::HandleScope scope(env);
        settle(env);
      } catch (...) {
        // The environment is going away; the promise can no longer be observed.
      }
    }
    Destroy();
  }

 protected:
  void Execute() override {
    try {
      // The job runs on a pool worker, which trims itself; this thread only when it ran the
      // job itself (no pool thread could be started, or OpenMP builds).
      trim_workspaces_after_call trim;
      convkit::run_on_pool(call_.job);
    } catch (const std::bad_alloc&) {
      failure_ = std::string(op_) + ": out of memory";
    } catch (const std::exception& e) {
      failure_ = std::string(op_) + ": " + e.what();
    }
  }
  void OnOK() override {}
  void OnError(const Napi::Error&) override {}

 private:
  // First member, so it is destroyed last: after the owned copies are freed.
  struct in_flight_mark {
    in_flight_mark(int64_t bytes, int64_t output_bytes) : bytes(bytes) { async_call_started(bytes, output_bytes); }
    ~in_flight_mark() { async_call_finished(bytes); }
    int64_t bytes;
  };

  void settle(Napi::Env env) {
    std::string error = failure_;
    bool range = false;
    if (error.empty()) {
      error = call_.arrays.copy_back(op_);
      range = !error.empty();
    }
    if (error.empty()) {
      deferred_.Resolve(call_.arrays.result(env));
      return;
    }
    Napi::Error err = range ? Napi::Error(Napi::RangeError::New(env, error)) : Napi::Error::New(env, error);
    Napi::Object e = err.Value();
    std::string stack = e.Get("name").ToString().Utf8Value() + ": " + error;
    const size_t nl = stack_.find('\n');
    if (nl != std::string::npos) stack += stack_.substr(nl);
    e.Set("stack", stack);
    deferred_.Reject(e);
  }

  in_flight_mark mark_;
  Napi::Promise::Deferred deferred_;
  const char* op_;
  bound_call call_;
  std::string stack_;
  std::string failure_;  // set by Execute (worker thread), read by settle (JS thread, after)
};

// Runs a kernel on the JS thread; a C++ failure (out of memory) becomes a JS Error. A
// Napi::Error (a failed check) passes through as it is.
inline void run_sync(Napi::Env env, const char* op, const std::function<void()>& job) {
  try {
    trim_workspaces_after_call trim;
    job();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::bad_alloc&) {
    throw Napi::Error::New(env, std::string(op) + ": out of memory");
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string(op) + ": " + e.what());
  }
}

// parse(arrays) validates on the JS thread, binds the arrays through `arrays` (copies, since
// it is in async mode) and returns the job.
template <class Parse>
Napi::Value run_async(Napi::Env env, const char* op, Parse parse) {
  try {
    bound_call call{nullptr, call_arrays(true)};
    call.job = parse(call.arrays);
    auto* worker = new kernel_worker(env, op, std::move(call));
    Napi::Promise p = worker->promise();
    worker->Queue();  // the worker deletes itself in OnWorkComplete
    return p;
  } catch (const Napi::Error& e) {
    Napi::Promise::Deferred d = Napi::Promise::Deferred::New(env);
    d.Reject(e.Value());
    return d.Promise();
  } catch (const std::bad_alloc&) {
    Napi::Promise::Deferred d = Napi::Promise::Deferred::New(env);
    d.Reject(Napi::Error::New(env, std::string(op) + ": out of memory").Value());
    return d.Promise();
  }
}

// A sync call: parse(arrays) with arrays bound in place, then the job on the JS thread; a
// failure of either (out of memory in parsing too) is a JS error, never std::terminate.
template <class Parse>
Napi::Value run_sync_call(Napi::Env env, const char* op, Parse parse) {
  run_sync(env, op, [&] {
    call_arrays arrays(false);
    parse(arrays)();
  });
  return env.Undefined();
}

}  // namespace convkit::glue
