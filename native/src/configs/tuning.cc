// Environment switches for the op configs, each read once; warnings kept for info().
#include "configs/tuning.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "configs/configs.h"
#include "convkit/isa.h"

namespace convkit {
namespace {

std::mutex& warnings_mutex() {
  static std::mutex m;
  return m;
}
std::vector<std::string>& warnings() {
  static std::vector<std::string> w;
  return w;
}

}  // namespace

const char* tuning_value(const char* name) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? v : nullptr;
}

void tuning_warn(const std::string& message) {
  std::lock_guard<std::mutex> lock(warnings_mutex());
  for (const std::string& w : warnings()) {
    if (w == message) return;
  }
  warnings().push_back(message);
}

int tuning_choice(const char* name, std::initializer_list<const char*> values, int fallback) {
  const char* v = tuning_value(name);
  if (v == nullptr) return fallback;
  int i = 0;
  std::string list;
  for (const char* option : values) {
    if (std::strcmp(v, option) == 0) return i;
    list += (i == 0 ? "" : ", ") + std::string(option);
    ++i;
  }
  tuning_warn(std::string(name) + "=" + v + " is not one of " + list + "; ignored");
  return fallback;
}

int64_t tuning_int(const char* name, int64_t lo, int64_t hi, int64_t fallback) {
  const char* v = tuning_value(name);
  if (v == nullptr) return fallback;
  char* end = nullptr;
  errno = 0;
  const long long n = std::strtoll(v, &end, 10);
  if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi) {
    tuning_warn(std::string(name) + "=" + v + " is not a whole number in [" + std::to_string(lo) +
                ", " + std::to_string(hi) + "]; ignored");
    return fallback;
  }
  return n;
}

std::vector<std::string> tuning_warnings() {
  fill_all_configs();
  std::vector<std::string> out;
  if (const char* w = isa_override_warning()) out.emplace_back(w);
  std::lock_guard<std::mutex> lock(warnings_mutex());
  out.insert(out.end(), warnings().begin(), warnings().end());
  return out;
}

}  // namespace convkit
