/* Prints the access list of callcue's control pipe as scripts/check-windows sees it from
 * another process: "user S-1-..." (this user's SID), then "dacl D:P(...)" (the pipe's
 * DACL as a security descriptor string). Argument: the pipe's name. Exit 1 if the pipe
 * cannot be opened or its security read. */
#include <stdio.h>
#include <windows.h>
#include <sddl.h>
#include <aclapi.h>

int main(int argc, char **argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: pipe_access \\\\.\\pipe\\NAME\n");
    return 2;
  }
  HANDLE token;
  if (OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &token)) {
    BYTE buffer[256];
    DWORD size = 0;
    if (GetTokenInformation(token, TokenUser, buffer, sizeof buffer, &size)) {
      LPSTR sid = NULL;
      if (ConvertSidToStringSidA(((TOKEN_USER *)buffer)->User.Sid, &sid)) {
        printf("user %s\n", sid);
        LocalFree(sid);
      }
    }
    CloseHandle(token);
  }
  HANDLE pipe = CreateFileA(argv[1], READ_CONTROL, 0, NULL, OPEN_EXISTING, 0, NULL);
  if (pipe == INVALID_HANDLE_VALUE) {
    printf("cannot open %s: error %lu\n", argv[1], GetLastError());
    return 1;
  }
  PSECURITY_DESCRIPTOR descriptor = NULL;
  DWORD status = GetSecurityInfo(pipe, SE_KERNEL_OBJECT, DACL_SECURITY_INFORMATION, NULL,
                                 NULL, NULL, NULL, &descriptor);
  CloseHandle(pipe);
  if (status != ERROR_SUCCESS) {
    printf("cannot read its security: error %lu\n", status);
    return 1;
  }
  LPSTR text = NULL;
  if (!ConvertSecurityDescriptorToStringSecurityDescriptorA(
          descriptor, SDDL_REVISION_1, DACL_SECURITY_INFORMATION, &text, NULL)) {
    printf("cannot write its security as a string: error %lu\n", GetLastError());
    return 1;
  }
  printf("dacl %s\n", text);
  LocalFree(text);
  LocalFree(descriptor);
  return 0;
}
