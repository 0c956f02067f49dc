// What the metrics tests see of the endpoint, as Prometheus would: an HTTP/1.0
// GET of /metrics over a real TCP socket, and the text exposition read back
// into samples. Test-only; blocking, with a receive timeout so a broken server
// fails the test instead of hanging it.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <sstream>
#include <string>
#include <string_view>

namespace lit::daemon::test {

struct HttpResponse {
  int status = 0;  // 0: no answer
  std::string body;
};

inline HttpResponse http_get(std::uint16_t port, const std::string& target) {
  HttpResponse response;
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return response;
  const timeval timeout{.tv_sec = 10, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string raw;
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0) {
    const std::string request = "GET " + target + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
    if (::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
      std::array<char, 4096> chunk{};
      for (ssize_t got = 0; (got = ::recv(fd, chunk.data(), chunk.size(), 0)) > 0;) raw.append(chunk.data(), got);
    }
  }
  ::close(fd);
  // "HTTP/1.1 200 OK\r\n...headers...\r\n\r\nbody"
  const std::size_t space = raw.find(' ');
  const std::size_t body = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/", 0) != 0 || space == std::string::npos || body == std::string::npos) return response;
  response.status = std::atoi(raw.c_str() + space + 1);
  response.body = raw.substr(body + 4);
  return response;
}

// Samples by their full series name, as the exposition writes it:
// `lit_actor_messages_total{type="pinger"}` -> 7.
using Samples = std::map<std::string, double>;

inline Samples parse_samples(const std::string& exposition) {
  Samples samples;
  std::istringstream lines(exposition);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    const std::size_t space = line.rfind(' ');
    samples[line.substr(0, space)] = std::strtod(line.c_str() + space + 1, nullptr);
  }
  return samples;
}

// The samples of one family (its name, or its _bucket/_sum/_count parts) whose
// labels contain `label` (e.g. `device="d1"`).
inline Samples select(const Samples& samples, std::string_view family, std::string_view label) {
  Samples selected;
  for (const auto& [series, value] : samples) {
    const std::string_view name = std::string_view(series).substr(0, series.find('{'));
    const bool in_family = name == family || name == std::string(family) + "_bucket" ||
                           name == std::string(family) + "_sum" || name == std::string(family) + "_count";
    if (in_family && series.find(label) != std::string::npos) selected.emplace(series, value);
  }
  return selected;
}

}  // namespace lit::daemon::test
