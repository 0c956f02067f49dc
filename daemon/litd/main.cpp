// litd: the gateway daemon. Everything but main is in lit_daemon.
#include "litd/litd_main.hpp"

int main(int argc, char** argv) { return lit::daemon::litd_main(argc, argv); }
