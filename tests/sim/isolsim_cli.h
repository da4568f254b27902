// Runs the isolsim binary built beside the tests and collects its exit status and output.
#pragma once

#include <sys/wait.h>

#include <cstdio>
#include <string>

struct CliResult {
  int status = -1;
  std::string out;  // stdout + stderr
};

// `cwd`: the folder to run it in (the tests' own when empty).
inline CliResult isolsim(const std::string& args, const std::string& cwd = "") {
  const std::string cmd = (cwd.empty() ? "" : "cd '" + cwd + "' && ") + std::string(ISOLSIM_BIN) + " " + args + " 2>&1";
  CliResult r;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  const int st = pclose(p);
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return r;
}
