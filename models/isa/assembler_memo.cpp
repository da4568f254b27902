// Pass 2's memo. The runs of a sweep assemble the kernel with a workload that changes from run to
// run (a start cycle is an immediate in a task's code): every kernel function's code is what the
// last assembly made of it. Pass 2 reads a function's own lines, the names declared in pass 1 and
// the layout, and it interns tracepoint names; a function is taken from the memo only when its
// lines are the same lexed lines, every name and address pass 2 could read is the same, and its
// strings intern to the same indices. The image is then the one a full assembly gives.
#include <list>
#include <mutex>

#include "assembler_impl.h"

namespace isa::asm_impl {
namespace {

struct Kept {
  Function fn;
  std::vector<std::pair<std::string, std::uint32_t>> interned;
  std::shared_ptr<const std::vector<Line>> lines;  // alive, so that no other text gets its addresses
};
using Functions = std::map<std::string, std::shared_ptr<const Kept>>;

std::mutex memo_mutex;
std::list<std::pair<std::string, Functions>> memo;  // by environment, most recent first
constexpr std::size_t kEnvironmentsKept = 2;       // a scenario's probe image and its whole image

}  // namespace

std::string Assembler::environment() const {
  std::string env = std::to_string(img_.ncpus) + ' ' + std::to_string(img_.percpu_area) + '\n';
  for (const auto& [name, v] : img_.constants) env += name + '=' + std::to_string(v) + ';';
  env += '\n';
  for (const FuncDecl& d : decls_) env += d.name + '/' + std::to_string(d.params.size()) + ';';
  env += '\n';
  for (const Variable& v : img_.variables) {
    env += v.name + (v.percpu ? "@" : ":") + std::to_string(v.base) + '+' + std::to_string(v.size);
    for (Word d : v.dims) env += '[' + std::to_string(d) + ']';
    env += ';';
  }
  return env;
}

std::string Assembler::function_key(std::uint32_t index) const {
  const FuncDecl& d = decls_[index];
  std::string key = d.name + '\0' + sources_[d.source].name + '\0' + std::to_string(d.line) + '\0' +
                    std::to_string(reinterpret_cast<std::uintptr_t>(d.body.empty() ? nullptr : d.body.front())) +
                    '+' + std::to_string(d.body.size());
  for (const std::string& p : d.params) key += '\0' + p;
  return key;
}

void Assembler::assemble_functions() {
  const std::string env = environment();
  Functions before;
  {
    std::lock_guard<std::mutex> lock(memo_mutex);
    for (const auto& [e, fns] : memo)
      if (e == env) before = fns;
  }
  Functions now;  // this assembly's functions only: a workload's old texts are let go
  for (std::uint32_t i = 0; i < img_.functions.size(); ++i) {
    std::string key = function_key(i);
    if (auto it = before.find(key); it != before.end()) {
      bool same = true;
      for (const auto& [s, at] : it->second->interned) same = same && img_.intern(s) == at;
      if (same) {
        img_.functions[i] = it->second->fn;
        now.emplace(std::move(key), it->second);
        continue;
      }
    }
    assemble_function(i);
    now.emplace(std::move(key), std::make_shared<const Kept>(Kept{img_.functions[i], interned_, lexed_[decls_[i].source]}));
  }
  std::lock_guard<std::mutex> lock(memo_mutex);
  for (auto it = memo.begin(); it != memo.end(); ++it)
    if (it->first == env) {
      memo.erase(it);
      break;
    }
  memo.emplace_front(env, std::move(now));
  if (memo.size() > kEnvironmentsKept) memo.pop_back();
}

}  // namespace isa::asm_impl
