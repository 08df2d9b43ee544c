// How a call's Float32Arrays reach the kernel, for sync and async calls alike.
//
//   sync:  the kernel reads and writes the caller's memory in place; no JS runs meanwhile.
//   async: a caller may detach, transfer or shrink any array while the kernel runs, and
//          then GC frees its memory (a reference to the typed array does not keep a detached
//          backing store alive). So in() copies the elements the kernel reads into memory the
//          call owns, before the call returns; out() hands the kernel owned memory, which
//          copy_back() writes into the caller's array on the JS thread once the kernel is
//          done, or reports that the array was detached or shrunk meanwhile. Cost: one memcpy
//          of every input and output (measured in `npm run bench`, section `async`).
//
// Both modes refuse an output that overlaps another array of the call (aliasing): the same
// RangeError on the ts backend (lib/backend/ts/overlap.ts). Take every data pointer only
// after every info field was read: a getter on the info object may run arbitrary JS.
#pragma once
#include <napi.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "check.h"

namespace convkit::glue {

// allocator.cc: bytes of a fresh output freed by its finalizer (the burst trim).
void external_freed(int64_t bytes);

class call_arrays {
 public:
  explicit call_arrays(bool async) : async_(async) {}
  bool async() const { return async_; }
  call_arrays(call_arrays&&) = default;
  call_arrays& operator=(call_arrays&&) = default;

  // The n elements of v the kernel reads.
  const float* in(const char* name, const f32_view& v, int64_t n) {
    entry& e = add(name, v, n, false);
    if (!async_ || n == 0) return v.data;
    e.owned = allocate(n);
    std::memcpy(e.owned.get(), v.data, static_cast<size_t>(n) * sizeof(float));
    return e.owned.get();
  }

  // The n elements of v the kernel writes (and reads first, when read_too: sgemm's C with
  // beta != 0).
  float* out(const char* name, const f32_view& v, int64_t n, bool read_too = false) {
    entry& e = add(name, v, n, true);
    if (!async_ || n == 0) return v.data;
    e.owned = allocate(n);
    if (read_too) std::memcpy(e.owned.get(), v.data, static_cast<size_t>(n) * sizeof(float));
    e.ref = Napi::Persistent(v.value.As<Napi::Object>());
    return e.owned.get();
  }

  // An output the call allocates itself (async calls given y = null): owned memory, handed to
  // JS without a copy by result() as an external ArrayBuffer when the kernel is done.
  float* fresh(const char* name, int64_t n) {
    entry& e = add(name, f32_view{}, n, true);
    e.owned = allocate(n);
    e.fresh = true;
    if (poison_outputs()) {
      for (int64_t i = 0; i < n; ++i) e.owned.get()[i] = __builtin_nanf("");
    }
    return e.owned.get();
  }

  // The fresh output as a Float32Array (undefined if there is none). Its memory is freed by
  // the array's finalizer (external_freed() counts it for the burst trim in allocator.cc).
  Napi::Value result(Napi::Env env) {
    for (entry& e : entries_) {
      if (!e.fresh) continue;
      const size_t bytes = static_cast<size_t>(e.n) * sizeof(float);
      napi_value ab;
      float* data = e.owned.get();
      napi_status st = bytes == 0 ? napi_generic_failure
                                  : napi_create_external_arraybuffer(env, data, bytes, free_external,
                                                                     reinterpret_cast<void*>(bytes), &ab);
      if (st == napi_ok) {
        e.owned.release();
      } else {
        // Runtimes without external buffers (V8 sandbox) get a copy instead.
        Napi::ArrayBuffer copy = Napi::ArrayBuffer::New(env, bytes);
        if (bytes > 0) std::memcpy(copy.Data(), data, bytes);
        ab = copy;
      }
      return Napi::Float32Array::New(env, static_cast<size_t>(e.n), Napi::ArrayBuffer(env, ab), 0);
    }
    return env.Undefined();
  }

  // RangeError when an output shares memory with another array of the call. Call after every
  // in() and out(). in_place: an output may be exactly one of the inputs (element-wise ops).
  void check_overlap(Napi::Env env, const char* op, bool in_place = false) const {
    for (const entry& o : entries_) {
      if (!o.output || o.n == 0) continue;
      for (const entry& e : entries_) {
        if (&e == &o || e.n == 0) continue;
        const char* a = reinterpret_cast<const char*>(o.data);
        const char* b = reinterpret_cast<const char*>(e.data);
        if (in_place && !e.output && a == b && o.n == e.n) continue;
        if (a < b + e.n * 4 && b < a + o.n * 4) {
          throw_range_error(env, op, std::string(o.name) + " overlaps " + e.name +
                                         " (the same memory): the output must be a separate array");
        }
      }
    }
  }

  // Bytes of owned memory (with_fresh: including fresh outputs, which outlive the call).
  int64_t owned_bytes(bool with_fresh) const {
    int64_t s = 0;
    for (const entry& e : entries_) s += e.owned && (with_fresh || !e.fresh) ? e.n * 4 : 0;
    return s;
  }

  // Async, on the JS thread after the kernel: the outputs into the caller's arrays. Returns
  // an error message (empty on success); may throw Napi::Error while the environment is torn
  // down, which the caller swallows.
  std::string copy_back(const char* op) {
    for (entry& e : entries_) {
      if (!e.output || !e.owned || e.fresh) continue;
      Napi::Float32Array a = e.ref.Value().As<Napi::Float32Array>();
      if (a.ArrayBuffer().IsDetached() || static_cast<int64_t>(a.ElementLength()) < e.n) {
        return std::string(op) + ": " + e.name +
               " was detached, transferred or shrunk while the call ran; its result is lost";
      }
    }
    for (entry& e : entries_) {
      if (!e.output || !e.owned || e.fresh) continue;
      Napi::Float32Array a = e.ref.Value().As<Napi::Float32Array>();
      std::memcpy(a.Data(), e.owned.get(), static_cast<size_t>(e.n) * sizeof(float));
    }
    return {};
  }

 private:
  struct free_deleter {
    void operator()(float* p) const { std::free(p); }
  };
  using owned_ptr = std::unique_ptr<float, free_deleter>;
  struct entry {
    const char* name;
    const float* data;  // the caller's memory (for the overlap check)
    int64_t n;
    bool output;
    owned_ptr owned;
    Napi::ObjectReference ref;  // outputs of async calls: the typed array to copy back into
    bool fresh = false;         // allocated by the call, returned by result()
  };

  entry& add(const char* name, const f32_view& v, int64_t n, bool output) {
    entries_.push_back(entry{name, v.data, n, output, nullptr, {}, false});
    return entries_.back();
  }

  static void free_external(napi_env, void* data, void* hint) {
    std::free(data);
    external_freed(static_cast<int64_t>(reinterpret_cast<size_t>(hint)));
  }

  // The tests' NaN fill of fresh outputs (lib/backend/native/output.ts does it for the rest).
  static bool poison_outputs() {
    static const bool on = [] {
      const char* v = std::getenv("CONVKIT_POISON_OUTPUTS");
      return v != nullptr && std::strcmp(v, "1") == 0;
    }();
    return on;
  }

  static owned_ptr allocate(int64_t n) {
    const size_t bytes = ((static_cast<size_t>(n) * sizeof(float) + 63) / 64) * 64;
    float* p = static_cast<float*>(std::aligned_alloc(64, bytes));
    if (p == nullptr) throw std::bad_alloc();
    return owned_ptr(p);
  }

  bool async_;
  std::vector<entry> entries_;
};

}  // namespace convkit::glue
