#include "sim/workers/workers.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <deque>

namespace workers {
namespace {

// A worker's answer: kind, length, then the line.
constexpr char kLine = 'L';
constexpr char kNeedsNewProcess = 'N';
constexpr std::size_t kHeader = 1 + sizeof(std::uint64_t);

struct Worker {
  pid_t pid = -1;
  int fd = -1;             // the parent's end of the socket pair
  bool busy = false;
  bool ran = false;        // has run an index: a new process it is not
  std::uint64_t index = 0;
  std::string in;          // what it sent of its current answer
};

bool write_all(int fd, const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = send(fd, p, size, MSG_NOSIGNAL);  // a dead peer is an error, not SIGPIPE
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

bool read_all(int fd, void* data, std::size_t size) {
  char* p = static_cast<char*>(data);
  while (size > 0) {
    const ssize_t n = read(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<std::size_t>(n);
  }
  return true;
}

std::string status_text(int status) {
  if (WIFSIGNALED(status)) return std::string("the run died: ") + strsignal(WTERMSIG(status));
  if (WIFEXITED(status)) return "the run exited " + std::to_string(WEXITSTATUS(status)) + " without a result";
  return "the run died";
}

// The worker's side: indices in, answers out, until the parent closes the socket or the process
// can run no more.
[[noreturn]] void serve(int fd, Lifetime lifetime,
                        const std::function<std::optional<std::string>(std::uint64_t)>& child) {
  std::uint64_t index = 0;
  while (read_all(fd, &index, sizeof index)) {
    const std::optional<std::string> line = child(index);
    char header[kHeader];
    header[0] = line ? kLine : kNeedsNewProcess;
    const std::uint64_t size = line ? line->size() : 0;
    std::memcpy(header + 1, &size, sizeof size);
    if (!write_all(fd, header, kHeader) || (line && !write_all(fd, line->data(), line->size()))) break;
    if (!line || lifetime == Lifetime::OneRun) break;
  }
  _exit(0);  // no static destructors, no SystemC teardown: the lines are all a worker leaves
}

}  // namespace

void run_in_workers(const std::vector<std::uint64_t>& indices, int jobs,
                    const std::function<std::optional<std::string>(std::uint64_t)>& child,
                    const std::function<void(std::uint64_t, const std::string&)>& done,
                    const std::function<std::string(std::uint64_t, const std::string&)>& died,
                    Lifetime lifetime) {
  if (jobs < 1) jobs = 1;
  std::deque<std::uint64_t> todo(indices.begin(), indices.end());
  std::deque<std::uint64_t> for_new;  // handed back: only a new process runs these
  std::vector<Worker> workers;

  auto reap = [&](std::size_t k) {
    close(workers[k].fd);
    int status = 0;
    waitpid(workers[k].pid, &status, 0);
    workers.erase(workers.begin() + static_cast<std::ptrdiff_t>(k));
    return status;
  };
  auto spawn = [&]() -> bool {
    int fd[2];
    std::fflush(nullptr);  // nothing buffered is written twice
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, fd) != 0) return false;
    const pid_t pid = fork();
    if (pid < 0) {
      close(fd[0]);
      close(fd[1]);
      return false;
    }
    if (pid == 0) {
      close(fd[0]);
      for (const Worker& w : workers) close(w.fd);  // the others see their EOF when the parent closes
      serve(fd[1], lifetime, child);
    }
    close(fd[1]);
    Worker w;
    w.pid = pid;
    w.fd = fd[0];
    workers.push_back(std::move(w));
    return true;
  };
  auto assign = [&](Worker& w, std::uint64_t index) {
    w.busy = true;
    w.index = index;
    w.in.clear();
    write_all(w.fd, &index, sizeof index);  // to a worker that died: its EOF reports it below
  };
  auto give_up = [&](std::deque<std::uint64_t>& q) {
    done(q.front(), died(q.front(), std::string("cannot start a worker: ") + std::strerror(errno)));
    q.pop_front();
  };

  for (;;) {
    // Handed-back indices first, each to a new process: an idle worker that has run makes room.
    while (!for_new.empty()) {
      if (static_cast<int>(workers.size()) >= jobs) {
        std::size_t k = workers.size();
        for (std::size_t i = 0; i < workers.size(); ++i)
          if (!workers[i].busy && workers[i].ran) k = i;
        if (k == workers.size()) break;
        reap(k);
      }
      if (!spawn()) {
        give_up(for_new);
        continue;
      }
      assign(workers.back(), for_new.front());
      for_new.pop_front();
    }
    for (Worker& w : workers)
      if (!w.busy && !todo.empty()) {
        assign(w, todo.front());
        todo.pop_front();
      }
    while (!todo.empty() && static_cast<int>(workers.size()) < jobs) {
      if (!spawn()) {
        give_up(todo);
        continue;
      }
      assign(workers.back(), todo.front());
      todo.pop_front();
    }
    std::vector<pollfd> fds;
    std::vector<std::size_t> which;
    for (std::size_t k = 0; k < workers.size(); ++k)
      if (workers[k].busy) {
        fds.push_back({workers[k].fd, POLLIN, 0});
        which.push_back(k);
      }
    if (fds.empty()) break;  // nothing running and, then, nothing left to give
    if (poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) break;
    for (std::size_t f = fds.size(); f-- > 0;) {
      if (!(fds[f].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const std::size_t k = which[f];
      Worker& w = workers[k];
      char buf[65536];
      const ssize_t n = read(w.fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {  // died mid-run
        const std::uint64_t index = w.index;
        const int status = reap(k);
        done(index, died(index, status_text(status)));
        continue;
      }
      w.in.append(buf, static_cast<std::size_t>(n));
      if (w.in.size() < kHeader) continue;
      std::uint64_t size = 0;
      std::memcpy(&size, w.in.data() + 1, sizeof size);
      if (w.in.size() < kHeader + size) continue;
      const std::uint64_t index = w.index;
      const bool handed_back = w.in[0] == kNeedsNewProcess;
      const std::string line = w.in.substr(kHeader);
      w.busy = false;
      if (handed_back) {
        const bool was_new = !w.ran;
        reap(k);  // it exits after handing back
        if (was_new) done(index, died(index, "a new worker process could not run it"));
        else for_new.push_back(index);
        continue;
      }
      w.ran = true;
      if (lifetime == Lifetime::OneRun) reap(k);
      done(index, line);
    }
  }
  while (!workers.empty()) reap(workers.size() - 1);  // closing its socket ends each worker
}

}  // namespace workers
