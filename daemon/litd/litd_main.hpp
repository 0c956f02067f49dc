// The litd command line as a function, so a user's own daemon binary (litd
// plus its own actor types) is `int main(int c, char** v) { return
// lit::daemon::litd_main(c, v); }` linked against lit_daemon.
#pragma once

namespace lit::daemon {

int litd_main(int argc, char** argv);

}  // namespace lit::daemon
