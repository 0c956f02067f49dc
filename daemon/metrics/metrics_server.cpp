// MetricsServer: prometheus-cpp's Exposer (civetweb) bound to one IPv4 address.
// Called from the daemon's main thread only. It never lets an exception out:
// civetweb only says that binding failed, so on failure the address is bound
// once more here, briefly, to learn why (in use, not on this host, no
// permission) and say so.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <prometheus/exposer.h>
#include <prometheus/registry.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "metrics/metrics.hpp"

namespace lit::daemon {
namespace {

// "a.b.c.d:port" with a numeric IPv4 address: the civetweb Debian ships has no
// IPv6, and host names would make the bound address depend on the resolver.
std::optional<sockaddr_in> parse_listen_address(std::string_view listen) {
  const std::size_t colon = listen.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const std::string host(listen.substr(0, colon));
  const std::string_view port_text = listen.substr(colon + 1);
  unsigned port = 0;
  const auto [end, status] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || status != std::errc{} || end != port_text.data() + port_text.size() || port > 65535) {
    return std::nullopt;
  }
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  if (inet_pton(AF_INET, host.c_str(), &address.sin_addr) != 1) return std::nullopt;
  return address;
}

// Why civetweb could not listen at `address`: bind it as civetweb does
// (SO_REUSEADDR) and name the error. Empty if it binds now.
std::string bind_failure(const sockaddr_in& address) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::strerror(errno);
  const int on = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
  std::string failure;
  if (::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    switch (errno) {
      case EADDRINUSE: failure = "address in use"; break;
      case EADDRNOTAVAIL: failure = "address not available on this host"; break;
      case EACCES: failure = "permission denied (ports below 1024 need CAP_NET_BIND_SERVICE)"; break;
      default: failure = std::strerror(errno); break;
    }
  }
  ::close(fd);
  return failure;
}

}  // namespace

MetricsServer::MetricsServer() = default;

MetricsServer::~MetricsServer() { stop(); }

bool MetricsServer::start(std::string_view listen, const Metrics& metrics, std::string& error) {
  stop();
  const std::string prefix = "metrics: cannot listen on " + std::string(listen) + ": ";
  const std::optional<sockaddr_in> address = parse_listen_address(listen);
  if (!address) {
    error = prefix + "expected an IPv4 address and a port, such as 127.0.0.1:9464";
    return false;
  }
  std::array<char, INET_ADDRSTRLEN> host{};
  inet_ntop(AF_INET, &address->sin_addr, host.data(), host.size());
  const std::string canonical = std::string(host.data()) + ":" + std::to_string(ntohs(address->sin_port));
  try {
    auto exposer = std::make_unique<prometheus::Exposer>(
        std::vector<std::string>{"listening_ports", canonical, "num_threads", "2"});
    const std::vector<int> ports = exposer->GetListeningPorts();
    if (ports.empty()) {
      error = prefix + "the HTTP server bound no port";
      return false;
    }
    exposer->RegisterCollectable(metrics.registry());
    port_ = static_cast<std::uint16_t>(ports.front());
    exposer_ = std::move(exposer);
    return true;
  } catch (const std::exception& exception) {
    const std::string failure = bind_failure(*address);
    error = prefix + (failure.empty() ? std::string("the HTTP server did not start: ") + exception.what() : failure);
    return false;
  }
}

void MetricsServer::stop() {
  exposer_.reset();
  port_ = 0;
}

bool MetricsServer::running() const { return exposer_ != nullptr; }

std::uint16_t MetricsServer::port() const { return port_; }

}  // namespace lit::daemon
