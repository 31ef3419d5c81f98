/* Forced into whisper.cpp's C sources when cross-building for Windows with Debian 12's
 * mingw-w64 (version 10), whose headers lack THREAD_POWER_THROTTLING_STATE (added to the
 * Windows SDK for Windows 10 1709; ggml-cpu.c uses it to keep Windows 11 from parking its
 * threads' cores). The definitions follow the SDK's documented layout; newer mingw-w64
 * headers have their own and this file then defines nothing. */
#ifndef CALLCUE_MINGW_COMPAT_H
#define CALLCUE_MINGW_COMPAT_H
#if defined(_WIN32) && defined(__MINGW32__)
#include <_mingw.h>
#if defined(__MINGW64_VERSION_MAJOR) && __MINGW64_VERSION_MAJOR <= 10 && \
    !defined(THREAD_POWER_THROTTLING_CURRENT_VERSION)
typedef struct _THREAD_POWER_THROTTLING_STATE {
  unsigned long Version;
  unsigned long ControlMask;
  unsigned long StateMask;
} THREAD_POWER_THROTTLING_STATE;
#define THREAD_POWER_THROTTLING_CURRENT_VERSION 1
#define THREAD_POWER_THROTTLING_EXECUTION_SPEED 0x1
#endif
#endif
#endif
