// MetricsServer's edges: the port it reports, the errors it gives instead of
// throwing (malformed address, port in use, address not on this host) and a
// stop that frees the port. One server serves a scrape in this binary; the
// others are stopped before serving any (a server that served takes ~2 s).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>

#include "metrics/metrics.hpp"
#include "scrape.hpp"

namespace lit::daemon {
namespace {

// A socket bound to 127.0.0.1 (port 0: any free one), listening or not.
class BoundSocket {
 public:
  explicit BoundSocket(std::uint16_t port, bool listening) : fd_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bound_ = ::bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
    if (bound_ && listening) bound_ = ::listen(fd_, 1) == 0;
    socklen_t size = sizeof address;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size);
    port_ = ntohs(address.sin_port);
  }
  ~BoundSocket() { ::close(fd_); }
  BoundSocket(const BoundSocket&) = delete;
  BoundSocket& operator=(const BoundSocket&) = delete;

  bool bound() const { return bound_; }
  std::uint16_t port() const { return port_; }

 private:
  int fd_;
  bool bound_ = false;
  std::uint16_t port_ = 0;
};

TEST(MetricsServer, port_zero_binds_a_free_port_reports_it_and_serves_metrics_there) {
  const Metrics metrics("9.9.9");
  MetricsServer server;
  std::string error;
  ASSERT_TRUE(server.start("127.0.0.1:0", metrics, error)) << error;
  EXPECT_TRUE(server.running());
  ASSERT_NE(server.port(), 0);

  const test::HttpResponse response = test::http_get(server.port(), "/metrics");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(test::select(test::parse_samples(response.body), "lit_build_info", ""),
            (test::Samples{{R"(lit_build_info{version="9.9.9"})", 1}}));
  EXPECT_EQ(BoundSocket(server.port(), true).bound(), false);
}

TEST(MetricsServer, a_malformed_listen_address_is_refused_with_a_clear_error) {
  const Metrics metrics("test");
  MetricsServer server;
  for (const char* listen : {"nonsense",
                             "127.0.0.1",
                             "127.0.0.1:",
                             "127.0.0.1:65536",
                             "127.0.0.1:94x4",
                             "127.0.0.1:+80",
                             "300.1.1.1:9464",
                             "localhost:9464",
                             "[::1]:9464",
                             ":9464"}) {
    std::string error;
    EXPECT_FALSE(server.start(listen, metrics, error)) << listen;
    EXPECT_EQ(error,
              std::string("metrics: cannot listen on ") + listen +
                  ": expected an IPv4 address and a port, such as 127.0.0.1:9464");
    EXPECT_FALSE(server.running());
    EXPECT_EQ(server.port(), 0);
  }
}

TEST(MetricsServer, a_port_in_use_is_refused_with_a_clear_error) {
  const Metrics metrics("test");
  const BoundSocket listening(0, true);
  ASSERT_TRUE(listening.bound());
  const BoundSocket bound_only(0, false);
  ASSERT_TRUE(bound_only.bound());

  for (const std::uint16_t port : {listening.port(), bound_only.port()}) {
    MetricsServer server;
    std::string error;
    const std::string listen = "127.0.0.1:" + std::to_string(port);
    EXPECT_FALSE(server.start(listen, metrics, error));
    EXPECT_EQ(error, "metrics: cannot listen on " + listen + ": address in use");
    EXPECT_FALSE(server.running());
  }
}

TEST(MetricsServer, an_address_this_host_does_not_have_is_refused_with_a_clear_error) {
  const Metrics metrics("test");
  MetricsServer server;
  std::string error;
  // 192.0.2.0/24 is TEST-NET-1 (RFC 5737): never a local address.
  EXPECT_FALSE(server.start("192.0.2.1:9464", metrics, error));
  EXPECT_EQ(error, "metrics: cannot listen on 192.0.2.1:9464: address not available on this host");
}

TEST(MetricsServer, stop_frees_the_port_and_the_server_can_start_again_on_it) {
  const Metrics metrics("test");
  MetricsServer server;
  std::string error;
  ASSERT_TRUE(server.start("127.0.0.1:0", metrics, error)) << error;
  const std::uint16_t port = server.port();
  server.stop();
  EXPECT_FALSE(server.running());
  EXPECT_EQ(server.port(), 0);
  EXPECT_TRUE(BoundSocket(port, true).bound());

  ASSERT_TRUE(server.start("127.0.0.1:" + std::to_string(port), metrics, error)) << error;
  EXPECT_EQ(server.port(), port);
  server.stop();
}

}  // namespace
}  // namespace lit::daemon
