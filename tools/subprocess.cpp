#include "subprocess.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

namespace subprocess {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

Proc run(const std::vector<std::string>& argv, const fs::path& cwd, const std::string& tag, double timeout_s,
         int sig, double grace_s) {
  Proc p;
  const fs::path out = cwd / (tag + ".out"), err = cwd / (tag + ".err");
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::fflush(nullptr);
  const auto t0 = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid < 0) {
    p.failed_to_start = true;
    return p;
  }
  if (pid == 0) {
    if (chdir(cwd.c_str()) != 0) _exit(126);
    const int fo = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    const int fe = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fo < 0 || fe < 0) _exit(126);
    dup2(fo, 1);
    dup2(fe, 2);
    close(fo);
    close(fe);
    execvp(args[0], args.data());
    _exit(127);
  }
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  std::atomic<bool> timed_out{false};
  std::thread timer([&] {
    std::unique_lock<std::mutex> lock(m);
    if (cv.wait_for(lock, std::chrono::duration<double>(timeout_s), [&] { return done; })) return;
    timed_out = true;
    kill(pid, sig);
    if (cv.wait_for(lock, std::chrono::duration<double>(grace_s), [&] { return done; })) return;
    kill(pid, SIGKILL);
  });
  int status = 0;
  struct rusage ru {};
  while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
  }
  const auto t1 = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(m);
    done = true;
  }
  cv.notify_all();
  timer.join();
  p.wall = std::chrono::duration<double>(t1 - t0).count();
  p.cpu = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
  p.maxrss_kb = ru.ru_maxrss;
  if (WIFEXITED(status)) p.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) p.signal = WTERMSIG(status);
  p.timed_out = timed_out;
  p.out = slurp(out);
  p.err = slurp(err);
  if (p.exit_code == 127) p.failed_to_start = true;
  return p;
}

}  // namespace subprocess
