#include "sim/workers/workers.h"

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace workers {
namespace {

struct Child {
  pid_t pid = -1;
  int fd = -1;
  std::uint64_t index = 0;
  std::string out;
};

void write_all(int fd, const std::string& s) {
  std::size_t off = 0;
  while (off < s.size()) {
    const ssize_t n = write(fd, s.data() + off, s.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

std::string status_text(int status) {
  if (WIFSIGNALED(status)) return std::string("the run died: ") + strsignal(WTERMSIG(status));
  if (WIFEXITED(status)) return "the run exited " + std::to_string(WEXITSTATUS(status)) + " without a result";
  return "the run died";
}

}  // namespace

void run_in_workers(const std::vector<std::uint64_t>& indices, int jobs,
                    const std::function<std::string(std::uint64_t)>& child,
                    const std::function<void(std::uint64_t, const std::string&)>& done,
                    const std::function<std::string(std::uint64_t, const std::string&)>& died) {
  if (jobs < 1) jobs = 1;
  std::vector<Child> running;
  std::size_t next = 0;
  while (next < indices.size() || !running.empty()) {
    while (next < indices.size() && static_cast<int>(running.size()) < jobs) {
      int fd[2];
      Child c;
      c.index = indices[next];
      std::fflush(nullptr);  // nothing buffered is written twice
      if (pipe(fd) != 0 || (c.pid = fork()) < 0) {
        done(c.index, died(c.index, std::string("cannot start a worker: ") + std::strerror(errno)));
        ++next;
        continue;
      }
      if (c.pid == 0) {
        close(fd[0]);
        write_all(fd[1], child(c.index));
        close(fd[1]);
        _exit(0);  // no static destructors, no SystemC teardown: the line is all a run leaves
      }
      close(fd[1]);
      c.fd = fd[0];
      running.push_back(std::move(c));
      ++next;
    }
    std::vector<pollfd> fds;
    for (const Child& c : running) fds.push_back({c.fd, POLLIN, 0});
    if (poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) break;
    for (std::size_t k = running.size(); k-- > 0;) {
      if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      Child& c = running[k];
      char buf[65536];
      const ssize_t n = read(c.fd, buf, sizeof buf);
      if (n > 0) {
        c.out.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      close(c.fd);
      int status = 0;
      waitpid(c.pid, &status, 0);
      const bool ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && !c.out.empty();
      done(c.index, ok ? c.out : died(c.index, status_text(status)));
      running.erase(running.begin() + static_cast<std::ptrdiff_t>(k));
    }
  }
}

}  // namespace workers
