#include "image.h"

#include <sstream>
#include <stdexcept>

namespace isa {

std::optional<std::uint32_t> Image::find_function(const std::string& name) const {
  auto it = function_index_.find(name);
  if (it == function_index_.end()) return std::nullopt;
  return it->second;
}

std::optional<int> Image::find_variable(const std::string& name) const {
  auto it = variable_index_.find(name);
  if (it == variable_index_.end()) return std::nullopt;
  return it->second;
}

std::string Image::describe(Addr addr) const {
  for (const Variable& v : variables) {
    Word a = addr;
    Word cpu = 0;
    if (v.percpu) {
      if (addr < percpu_base || percpu_area == 0) continue;
      cpu = (addr - percpu_base) / percpu_area;
      a = addr - cpu * percpu_area;
    }
    if (a < v.base || a >= v.base + v.size) continue;
    std::ostringstream os;
    os << v.name;
    if (v.percpu) os << '[' << cpu << ']';
    Word off = a - v.base;
    // Row-major: peel indices from the outermost dimension.
    Word stride = v.size;
    for (Word d : v.dims) {
      stride /= d;
      os << '[' << off / stride << ']';
      off %= stride;
    }
    return os.str();
  }
  std::ostringstream os;
  os << "0x" << std::hex << addr;
  return os.str();
}

std::string Image::where(std::uint32_t func, std::uint32_t pc) const {
  if (func >= functions.size()) return "?";
  const Function& f = functions[func];
  std::ostringstream os;
  os << f.name << '+' << pc;
  if (pc < f.code.size()) os << " (" << f.file << ':' << f.code[pc].line << ')';
  return os.str();
}

std::uint32_t Image::intern(const std::string& s) {
  for (std::uint32_t i = 0; i < strings.size(); ++i)
    if (strings[i] == s) return i;
  strings.push_back(s);
  return static_cast<std::uint32_t>(strings.size() - 1);
}

Addr Image::address(const std::string& var, const std::vector<Word>& index) const {
  auto vi = find_variable(var);
  if (!vi) throw std::out_of_range("no variable " + var);
  const Variable& v = variables[*vi];
  std::size_t i = 0;
  Word a = v.base;
  if (v.percpu) {
    if (index.empty() || index[0] >= ncpus) throw std::out_of_range("bad CPU index for " + var);
    a += index[0] * percpu_area;
    i = 1;
  }
  if (index.size() - i != v.dims.size()) throw std::out_of_range("wrong number of indices for " + var);
  Word stride = v.size;
  for (Word d : v.dims) {
    stride /= d;
    if (index[i] >= d) throw std::out_of_range("index out of range for " + var);
    a += index[i++] * stride;
  }
  return static_cast<Addr>(a);
}

std::vector<Word> Image::initial_memory() const {
  std::vector<Word> mem(memory_words, 0);
  for (const Variable& v : variables) {
    const Word copies = v.percpu ? ncpus : 1;
    for (Word c = 0; c < copies; ++c)
      for (Word i = 0; i < v.size; ++i) mem[v.base + c * percpu_area + i] = i < v.inits.size() ? v.inits[i] : v.init;
  }
  return mem;
}

}  // namespace isa
