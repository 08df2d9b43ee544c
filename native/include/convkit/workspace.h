// The scratch-memory policy of the core, without Node: every `workspace` (native/src/util/
// workspace.h, the grow-only buffers the kernels keep thread_local) belongs to its thread's
// arena, which counts its bytes. After a call, the thread that ran it gives back what it holds
// above a per-thread cap (largest buffers first), so a one-off large call does not pin its
// padded copy or packed panels for the life of the thread, while calls below the cap keep
// reusing the same memory (no allocation once warm).
//
// Who trims: the N-API glue, on the thread that ran a kernel call, after the call returns; each
// pool worker after its share of a parallel job (convkit/parallel.h). Never inside a kernel: a
// calling thread's workspaces (a padded input, gemm's packed B) are read by the pool workers
// until the call's parallel_for returns. A C++ program using the core calls
// workspace_release_above_cap() itself on the threads that call kernels, if it wants the cap.
#pragma once
#include <cstdint>

namespace convkit {

// Frees this thread's workspaces, largest first, until it holds at most
// workspace_cap_bytes(). A few integer ops when it holds less.
void workspace_release_above_cap();

// Bytes held now by the workspaces of every thread of the process (threads that exited have
// given theirs back).
int64_t workspace_bytes_held();

// Bytes held now by this thread's workspaces.
int64_t workspace_thread_bytes_held();

// The per-thread cap: CONVKIT_WORKSPACE_CAP (bytes, a whole number) or the default, read
// once; an invalid value is ignored with a warning (configs/tuning.h, info().native.warnings).
int64_t workspace_cap_bytes();

}  // namespace convkit
