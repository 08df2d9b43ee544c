// Force-included into every file of the addon on Linux (binding.gyp): the prebuilt binary
// (scripts/prebuild.js) should load on every glibc that Node 20 itself runs on (>= 2.28), but
// the toolchain it is built with (Debian 12, glibc 2.36) binds a few symbols to versions added
// in glibc 2.27 to 2.34. Bind them to their older versions, which glibc keeps for
// compatibility (the same functions: pthread_once and pthread_setname_np moved from
// libpthread into libc in 2.34; exp, log, expf and powf got faster implementations in 2.27/2.29,
// their old versions differ only in how they set errno, which nothing here reads), and make
// std::condition_variable's timed waits use pthread_cond_timedwait rather than 2.30's
// pthread_cond_clockwait. The build then needs glibc >= 2.16 (prebuilds/manifest.json says
// what objdump -T found).
#pragma once
#if defined(__linux__) && !defined(__ASSEMBLER__)
#include <features.h>
#if defined(__GLIBC__)
#if defined(__x86_64__)
#define CONVKIT_GLIBC_OLD(name, version) __asm__(".symver " #name "," #name "@GLIBC_" version)
CONVKIT_GLIBC_OLD(pthread_once, "2.2.5");
CONVKIT_GLIBC_OLD(pthread_setname_np, "2.12");
CONVKIT_GLIBC_OLD(exp, "2.2.5");
CONVKIT_GLIBC_OLD(log, "2.2.5");
CONVKIT_GLIBC_OLD(expf, "2.2.5");
CONVKIT_GLIBC_OLD(powf, "2.2.5");
#undef CONVKIT_GLIBC_OLD
#elif defined(__aarch64__)
#define CONVKIT_GLIBC_OLD(name) __asm__(".symver " #name "," #name "@GLIBC_2.17")
CONVKIT_GLIBC_OLD(pthread_once);
CONVKIT_GLIBC_OLD(pthread_setname_np);
CONVKIT_GLIBC_OLD(exp);
CONVKIT_GLIBC_OLD(log);
CONVKIT_GLIBC_OLD(expf);
CONVKIT_GLIBC_OLD(powf);
#undef CONVKIT_GLIBC_OLD
#endif
#endif  // __GLIBC__
#if defined(__cplusplus)
#include <bits/c++config.h>
#undef _GLIBCXX_USE_PTHREAD_COND_CLOCKWAIT
// libstdc++ likewise: GCC 12 gave condition_variable::wait a new version (3.4.30) beside the
// old one (3.4.11); bind the old. The build then needs GCC 11's libstdc++ (CXXABI_1.3.13:
// std::exception_ptr, which carries a worker's exception to the caller, references
// _M_addref / _M_release, exported only since then): Debian 12, Ubuntu 22.04, RHEL 9 on.
#if defined(__GLIBCXX__) && defined(_GLIBCXX_RELEASE) && _GLIBCXX_RELEASE >= 12
__asm__(".symver _ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE,"
        "_ZNSt18condition_variable4waitERSt11unique_lockISt5mutexE@GLIBCXX_3.4.11");
#endif
#endif
#endif
