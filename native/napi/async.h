// Promise-returning calls: validation runs on the JS thread (a failure rejects the promise,
// it never throws synchronously); the kernel runs on a libuv worker. The worker holds a
// reference to every typed array it reads or writes until the promise settles. The libuv
// worker hands the kernel to the compute pool (convkit/parallel.h) and sleeps until it is
// done, so concurrent async calls share the one thread budget instead of each libuv worker
// computing with a team of its own.
#pragma once
#include <napi.h>

#include "convkit/parallel.h"

#include <exception>
#include <functional>
#include <new>
#include <string>
#include <utility>
#include <vector>

namespace convkit::glue {

class kernel_worker : public Napi::AsyncWorker {
 public:
  kernel_worker(Napi::Env env, const char* op, std::function<void()> job,
                const std::vector<Napi::Value>& keep_alive)
      : Napi::AsyncWorker(env, op), deferred_(Napi::Promise::Deferred::New(env)),
        op_(op), job_(std::move(job)) {
    // The JS stack of the caller, so an error raised later points at the call site.
    stack_ = Napi::Error::New(env, "").Get("stack").ToString().Utf8Value();
    for (const Napi::Value& v : keep_alive) {
      if (v.IsObject()) refs_.push_back(Napi::Persistent(v.As<Napi::Object>()));
    }
  }

  Napi::Promise promise() const { return deferred_.Promise(); }

 protected:
  void Execute() override {
    try {
      convkit::run_on_pool(job_);
    } catch (const std::bad_alloc&) {
      SetError(std::string(op_) + ": out of memory");
    } catch (const std::exception& e) {
      SetError(std::string(op_) + ": " + e.what());
    }
  }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  void OnError(const Napi::Error& e) override {
    Napi::Object err = e.Value();
    std::string stack = err.Get("message").ToString().Utf8Value();
    const size_t nl = stack_.find('\n');
    if (nl != std::string::npos) stack += stack_.substr(nl);
    err.Set("stack", stack);
    deferred_.Reject(err);
  }

 private:
  Napi::Promise::Deferred deferred_;
  const char* op_;
  std::function<void()> job_;
  std::vector<Napi::ObjectReference> refs_;
  std::string stack_;
};

// Runs a kernel on the JS thread; a C++ failure (out of memory) becomes a JS Error.
inline void run_sync(Napi::Env env, const char* op, const std::function<void()>& job) {
  try {
    job();
  } catch (const std::bad_alloc&) {
    throw Napi::Error::New(env, std::string(op) + ": out of memory");
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, std::string(op) + ": " + e.what());
  }
}

// parse() validates on the JS thread and returns {job, values to keep alive}.
template <class Parse>
Napi::Value run_async(Napi::Env env, const char* op, Parse parse) {
  try {
    auto [job, keep] = parse();
    auto* worker = new kernel_worker(env, op, std::move(job), keep);
    Napi::Promise p = worker->promise();
    worker->Queue();  // the worker deletes itself after OnOK / OnError
    return p;
  } catch (const Napi::Error& e) {
    Napi::Promise::Deferred d = Napi::Promise::Deferred::New(env);
    d.Reject(e.Value());
    return d.Promise();
  }
}

}  // namespace convkit::glue
