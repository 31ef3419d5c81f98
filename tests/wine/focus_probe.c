/* Does a click on callcue's overlay take the foreground from the softphone? Run while
 * the overlay (a top-level window titled "callcue") shows. The probe opens two ordinary
 * windows of its own: "softphone" and "control". It brings "softphone" to the
 * foreground, clicks "control" (an ordinary window must take the foreground when
 * clicked, or this desktop cannot tell anything), brings "softphone" back, clicks the
 * middle of the overlay, and prints what has the foreground after each click:
 *   control-click <title>
 *   overlay-click <title>
 * Exit 1 when a window is missing. The clicks are real input (SendInput), as the
 * agent's mouse would give. */
#include <stdio.h>
#include <windows.h>

static LRESULT CALLBACK window_proc(HWND window, UINT message, WPARAM wparam, LPARAM lparam) {
  return DefWindowProcW(window, message, wparam, lparam);
}

static void pump(int ms) {
  DWORD end = GetTickCount() + ms;
  while (GetTickCount() < end) {
    MSG message;
    while (PeekMessageW(&message, NULL, 0, 0, PM_REMOVE)) {
      TranslateMessage(&message);
      DispatchMessageW(&message);
    }
    Sleep(10);
  }
}

static HWND open_window(const wchar_t *title, int x) {
  HWND window = CreateWindowExW(0, L"callcue-probe", title, WS_OVERLAPPEDWINDOW | WS_VISIBLE, x, 400, 300,
                                200, NULL, NULL, GetModuleHandleW(NULL), NULL);
  ShowWindow(window, SW_SHOW);
  return window;
}

static void click_at(int x, int y) {
  int width = GetSystemMetrics(SM_CXSCREEN), height = GetSystemMetrics(SM_CYSCREEN);
  INPUT input[3] = {0};
  for (int i = 0; i < 3; i++) {
    input[i].type = INPUT_MOUSE;
    input[i].mi.dx = (x * 65535) / (width - 1);
    input[i].mi.dy = (y * 65535) / (height - 1);
  }
  input[0].mi.dwFlags = MOUSEEVENTF_MOVE | MOUSEEVENTF_ABSOLUTE;
  input[1].mi.dwFlags = MOUSEEVENTF_LEFTDOWN | MOUSEEVENTF_ABSOLUTE;
  input[2].mi.dwFlags = MOUSEEVENTF_LEFTUP | MOUSEEVENTF_ABSOLUTE;
  SendInput(1, &input[0], sizeof(INPUT));
  pump(200);
  SendInput(2, &input[1], sizeof(INPUT));
  pump(800);
}

static void click_middle(HWND window) {
  RECT rect;
  GetWindowRect(window, &rect);
  click_at((rect.left + rect.right) / 2, (rect.top + rect.bottom) / 2);
}

static void say_foreground(const char *after) {
  wchar_t title[128] = L"(none)";
  HWND foreground = GetForegroundWindow();
  if (foreground != NULL) GetWindowTextW(foreground, title, 128);
  printf("%s %ls\n", after, title);
}

static void to_front(HWND window) {
  SetForegroundWindow(window);
  pump(500);
}

int main(void) {
  WNDCLASSW class = {0};
  class.lpfnWndProc = window_proc;
  class.hInstance = GetModuleHandleW(NULL);
  class.lpszClassName = L"callcue-probe";
  class.hCursor = LoadCursorW(NULL, (LPCWSTR)IDC_ARROW);
  RegisterClassW(&class);

  HWND overlay = NULL;
  for (int i = 0; i < 300 && !(overlay && IsWindowVisible(overlay)); i++) {
    overlay = FindWindowW(NULL, L"callcue");
    Sleep(100);
  }
  if (!overlay || !IsWindowVisible(overlay)) {
    printf("no visible window titled callcue\n");
    return 1;
  }
  HWND softphone = open_window(L"softphone", 20);
  HWND control = open_window(L"control", 700);
  pump(500);

  to_front(softphone);
  say_foreground("start");
  click_middle(control);
  say_foreground("control-click");
  to_front(softphone);
  click_middle(overlay);
  say_foreground("overlay-click");
  return 0;
}
