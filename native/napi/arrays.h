// How a call's Float32Arrays reach the kernel, for sync and async calls alike.
//
//   sync:  the kernel reads and writes the caller's memory in place; no JS runs meanwhile.
//   async: a caller may detach, transfer or shrink any array while the kernel runs, and
//          then GC frees its memory (a reference to the typed array does not keep a detached
//          backing store alive). So in() copies the elements the kernel reads into memory the
//          call owns, before the call returns; out() hands the kernel owned memory, which
//          copy_back() writes into the caller's array on the JS thread once the kernel is
//          done, or reports that the array was detached or shrunk meanwhile; fresh() makes
//          the output itself (the ops' own path: y = null), which no caller can reach before
//          the promise resolves with it, so it is written in place. Cost: one memcpy of every
//          input (and of a caller's output), measured in `npm run bench`, section `async`;
//          inputs on a SharedArrayBuffer (which cannot be detached or shrunk) skip it.
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

// allocator.cc: bytes of a fresh output freed by GC (the burst trim).
void output_freed(int64_t bytes);

class call_arrays {
 public:
  explicit call_arrays(bool async) : async_(async) { entries_.reserve(kMaxEntries); }
  bool async() const { return async_; }
  call_arrays(call_arrays&&) = default;
  call_arrays& operator=(call_arrays&&) = default;

  // The n elements of v the kernel reads. A SharedArrayBuffer can be neither detached nor
  // shrunk: it is read in place (the reference keeps it alive), the zero-copy path for callers.
  const float* in(const char* name, const f32_view& v, int64_t n) {
    entry& e = add(name, v, n, false);
    if (!async_ || n == 0) return v.data;
    if (on_shared_memory(v)) {
      e.ref = Napi::Persistent(v.value.As<Napi::Object>());
      return v.data;
    }
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

  // An output the call allocates itself (async calls given y = null): a JS ArrayBuffer made
  // here, uninitialized, that no caller can reach (so none can detach it) until the promise
  // resolves with it; the kernel writes it in place. A finalizer counts its bytes when GC
  // frees it, for the burst trim (allocator.cc). (An external ArrayBuffer over owned memory
  // was tried first: 0.45 ms more per call in Node 20, for a 64 KB output.)
  float* fresh(Napi::Env env, const char* name, int64_t n) {
    const size_t bytes = static_cast<size_t>(n) * sizeof(float);
    napi_value buf;
    void* data = nullptr;
    if (napi_create_buffer(env, bytes, &data, &buf) != napi_ok) throw Napi::Error::New(env);
    Napi::ArrayBuffer ab = Napi::Buffer<uint8_t>(env, buf).ArrayBuffer();
    Napi::Float32Array a = Napi::Float32Array::New(env, static_cast<size_t>(n), ab, 0);
    if (bytes >= kCountedBytes) {
      napi_add_finalizer(env, ab, nullptr, freed, reinterpret_cast<void*>(bytes), nullptr);
    }
    float* d = a.Data();
    if (poison_outputs()) {
      for (int64_t i = 0; i < n; ++i) d[i] = __builtin_nanf("");
    }
    entry& e = add(name, f32_view{d, n, a}, n, true);
    e.fresh = true;
    e.ref = Napi::Persistent(a.As<Napi::Object>());
    return d;
  }

  // The fresh output (undefined if there is none).
  Napi::Value result(Napi::Env env) {
    for (entry& e : entries_) {
      if (e.fresh) return e.ref.Value();
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

  // Bytes the call holds while in flight: its copies and the output it made (fresh_only: the
  // output alone).
  int64_t held_bytes(bool fresh_only = false) const {
    int64_t s = 0;
    for (const entry& e : entries_) s += (e.owned && !fresh_only) || e.fresh ? e.n * 4 : 0;
    return s;
  }

  // Async, on the JS thread after the kernel: the outputs into the caller's arrays. Returns
  // an error message (empty on success); may throw Napi::Error while the environment is torn
  // down, which the caller swallows.
  std::string copy_back(const char* op) {
    for (entry& e : entries_) {
      if (!e.output || !e.owned) continue;
      Napi::Float32Array a = e.ref.Value().As<Napi::Float32Array>();
      if (a.ArrayBuffer().IsDetached() || static_cast<int64_t>(a.ElementLength()) < e.n) {
        return std::string(op) + ": " + e.name +
               " was detached, transferred or shrunk while the call ran; its result is lost";
      }
    }
    for (entry& e : entries_) {
      if (!e.output || !e.owned) continue;
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
    bool fresh = false;         // allocated by the call (ref holds it), returned by result()
  };

  entry& add(const char* name, const f32_view& v, int64_t n, bool output) {
    entries_.push_back(entry{name, v.data, n, output, nullptr, {}, false});
    return entries_.back();
  }

  static constexpr size_t kMaxEntries = 8;       // the most arrays an op takes (one allocation)
  static constexpr size_t kCountedBytes = 4096;  // smaller outputs are not worth a finalizer
  static void freed(napi_env, void*, void* hint) { output_freed(static_cast<int64_t>(reinterpret_cast<size_t>(hint))); }

  // The tests' NaN fill of fresh outputs (lib/backend/native/output.ts does it for the rest).
  static bool poison_outputs() {
    static const bool on = [] {
      const char* v = std::getenv("CONVKIT_POISON_OUTPUTS");
      return v != nullptr && std::strcmp(v, "1") == 0;
    }();
    return on;
  }

  static bool on_shared_memory(const f32_view& v) {
    Napi::Env env = v.value.Env();
    napi_value buffer;
    bool is_plain = true;
    if (napi_get_typedarray_info(env, v.value, nullptr, nullptr, nullptr, &buffer, nullptr) != napi_ok) return false;
    if (napi_is_arraybuffer(env, buffer, &is_plain) != napi_ok) return false;
    return !is_plain;  // a typed array's buffer is an ArrayBuffer or a SharedArrayBuffer
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

// The checks of a sync call with one input x of nx floats and one output y of ny floats:
// exact lengths, and y overlapping nothing.
inline void check_x_to_y(Napi::Env env, const char* op, const f32_view& x, int64_t nx, const f32_view& y, int64_t ny) {
  require_length(env, op, x, "x", nx);
  require_length(env, op, y, "y", ny);
  call_arrays c(false);
  c.in("x", x, nx);
  c.out("y", y, ny);
  c.check_overlap(env, op);
}

}  // namespace convkit::glue
