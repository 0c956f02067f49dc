// The configuration model's small helpers: lookups, ParamKind names, the one
// diagnostic format every tool prints, and reading a file for parse_config.
// Any thread; nothing here keeps state or throws beyond allocation.
#include "config/config.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

namespace lit::daemon {

std::string format_diagnostic(std::string_view source_name, const Diagnostic& diagnostic) {
  std::string line(source_name);
  if (diagnostic.where.line != 0) {
    line += ':' + std::to_string(diagnostic.where.line) + ':' + std::to_string(diagnostic.where.column);
  }
  line += ": error: ";
  line += diagnostic.message;
  return line;
}

const char* to_string(ParamKind kind) {
  switch (kind) {
    case ParamKind::boolean: return "boolean";
    case ParamKind::integer: return "integer";
    case ParamKind::real: return "real";
    case ParamKind::string: return "string";
    case ParamKind::duration: return "duration";
  }
  return "unknown";
}

const ActorConfig* Config::find_actor(std::string_view path) const {
  for (const ActorConfig& actor : actors) {
    if (actor.path == path) return &actor;
  }
  return nullptr;
}

const DeviceConfig* Config::find_device(std::string_view name) const {
  for (const DeviceConfig& device : devices) {
    if (device.name == name) return &device;
  }
  return nullptr;
}

ConfigResult load_config(const std::string& path, ActorTypeCatalog& types) {
  auto unreadable = [&path](int error) {
    ConfigResult result;
    result.errors.push_back({{}, "cannot read '" + path + "': " + std::strerror(error)});
    return result;
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return unreadable(errno);
  std::string text;
  std::array<char, std::size_t{16} * 1024> buffer{};
  for (;;) {
    const ssize_t got = ::read(fd, buffer.data(), buffer.size());
    if (got == 0) break;
    if (got < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      return unreadable(error);
    }
    text.append(buffer.data(), static_cast<std::size_t>(got));
  }
  ::close(fd);
  return parse_config(text, types);
}

}  // namespace lit::daemon
