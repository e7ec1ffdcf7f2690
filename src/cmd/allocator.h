#pragma once
// The memory allocator's settings (the binary links jemalloc, see CMakeLists.txt).
//
// Built in (malloc_conf, allocator.cpp; MALLOC_CONF in the environment still overrides):
// - one arena per CPU (percpu_arena) instead of jemalloc's four per CPU: fewer half-used
//   arenas keep less freed memory resident (agent with 100 pods: 21.7 → 19.5 MB RSS,
//   docs/benchmarks.md);
// - freed pages go back to the kernel after 5 s (dirty_decay_ms), at once past that
//   (muzzy_decay_ms:0).
//
// The long-running roles (server, agent) also start jemalloc's background thread, which does that
// purging even while the process is idle. Short-lived processes — the per-container log shim,
// `cube image`, `cube kubectl` — do without the extra thread.

namespace cube::cmd {

void startAllocatorBackgroundThread();

// `cube agent` allocates little and from few threads, so it does without jemalloc's per-thread
// caches (tcache:false; agent RSS with 100 pods ~1 MB lower, docs/benchmarks.md). jemalloc reads
// its options before main, so this re-executes the process once with MALLOC_CONF set — unless
// MALLOC_CONF is already there (the user's choice wins). The log shims the agent starts inherit
// it. Returns only when no re-execution took place.
void useAgentAllocatorSettings(char** argv);

}  // namespace cube::cmd
