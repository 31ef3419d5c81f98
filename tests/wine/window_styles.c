/* Prints the extended window style of the top-level window titled "callcue" (the
 * overlay), as scripts/check-windows reads it from outside the process: "exstyle 0x...",
 * then whether each of WS_EX_NOACTIVATE, WS_EX_TOOLWINDOW, WS_EX_TOPMOST and
 * WS_EX_APPWINDOW is set. The window exists before callcue has set it up and is shown
 * after, so the style is read once it is visible. Waits up to the given seconds (default
 * 30); exit 1 if it never shows. */
#include <stdio.h>
#include <stdlib.h>
#include <windows.h>

int main(int argc, char **argv) {
  int wait_s = argc > 1 ? atoi(argv[1]) : 30;
  HWND window = NULL;
  for (int i = 0; i < wait_s * 10; i++) {
    window = FindWindowW(NULL, L"callcue");
    if (window != NULL && IsWindowVisible(window)) break;
    Sleep(100);
  }
  if (window == NULL || !IsWindowVisible(window)) {
    printf("no visible window titled callcue\n");
    return 1;
  }
  LONG_PTR style = GetWindowLongPtrW(window, GWL_EXSTYLE);
  printf("exstyle 0x%llx\n", (unsigned long long)style);
  printf("noactivate %d\n", (style & WS_EX_NOACTIVATE) != 0);
  printf("toolwindow %d\n", (style & WS_EX_TOOLWINDOW) != 0);
  printf("topmost %d\n", (style & WS_EX_TOPMOST) != 0);
  printf("appwindow %d\n", (style & WS_EX_APPWINDOW) != 0);
  return 0;
}
