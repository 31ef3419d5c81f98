/* A stand-in for Windows' bcryptprimitives.dll for Wine 8 (Debian 12), which lacks it:
 * Rust's standard library gets its random bytes from ProcessPrng there, so without this
 * no Rust program starts under that Wine. Used only in the Wine test prefix, never
 * shipped: Windows 10 and later have the real one. ProcessPrng fills the buffer from
 * RtlGenRandom (advapi32's SystemFunction036), which Wine has. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
  while (length > 0) {
    ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
    if (!SystemFunction036(data, chunk)) {
      return FALSE;
    }
    data += chunk;
    length -= chunk;
  }
  return TRUE;
}
