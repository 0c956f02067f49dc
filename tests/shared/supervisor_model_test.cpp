// Model-based test of lit::Supervisor. A reference model of an OTP supervisor
// (written here from supervisor.erl's rules with std containers: its own child
// list, pids, mailbox of EXIT and try_again messages, and restart list as in
// add_restart/3) predicts every child start, exit and escalation of a random
// root -> sup -> workers tree driven by random failures on the simulated port;
// the real trace must match it line for line, over thousands of seeds.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "lit/runtime.hpp"
#include "sim/sim_port.hpp"

namespace {

using namespace lit::chart::dsl;
using lit::Millis;
using lit::Restart;
using lit::Strategy;
using lit::chart::Step;
using Lines = std::vector<std::string>;

constexpr int kMaxWorkers = 5;

// ---- the scenario ---------------------------------------------------------------------

// How a worker reacts to being shut down by its supervisor.
enum class Behaviour : std::uint8_t {
  plain,        // no "shutdown" event: stopped at once, reason shutdown
  brutal,       // brutal_kill: reason killed
  trap_finish,  // traps "shutdown" and finishes: reason shutdown, on its own turn
  trap_ignore,  // traps "shutdown" and ignores it: killed when its timeout runs out
};

struct WorkerConfig {
  Restart restart = Restart::permanent;
  Behaviour behaviour = Behaviour::plain;
  bool trap_type = false;  // for brutal: whether its chart traps shutdown (it must not matter)
  bool infinity = false;   // for trap_finish: shutdown infinity instead of a timeout
  Millis timeout = 5;
};

struct Config {
  Strategy strategy = Strategy::one_for_one;
  lit::Intensity intensity{};
  lit::Intensity link_intensity{};
  lit::Intensity root_intensity{};
  Restart sup_restart = Restart::permanent;
  std::vector<WorkerConfig> workers;
};

enum class Inject : std::uint8_t { boom, finish, noconnection, killed, shutdown, crash, poison };
enum class Admin : std::uint8_t { none, terminate, restart, remove };

struct Injection {
  Inject kind = Inject::boom;
  int worker = 0;
  int amount = 0;  // refused starts, for poison
};

// One step of a run: time passes, then a batch of injections (poisoning
// first, then sends, then direct stops), then maybe an administration call
// (only in batches without sends), and then the loop runs. An administration
// call right after direct stops meets exits the supervisor has not handled.
struct Event {
  Millis gap = 0;
  Admin admin = Admin::none;
  int worker = 0;
  std::vector<Injection> injections;
};

struct Scenario {
  Config config;
  std::vector<Event> events;
};

int category(Inject kind) {
  switch (kind) {
    case Inject::poison: return 0;
    case Inject::boom:
    case Inject::finish: return 1;
    default: return 2;
  }
}

Scenario generate(std::uint64_t seed) {
  std::mt19937 rng(static_cast<std::uint32_t>(seed));
  const auto pick = [&rng](std::uint32_t n) { return rng() % n; };
  Scenario scenario;
  Config& config = scenario.config;
  config.strategy = std::array{Strategy::one_for_one, Strategy::one_for_all, Strategy::rest_for_one}[pick(3)];
  config.intensity = {.max_restarts = std::array<std::uint32_t, 5>{0, 1, 2, 3, 5}[pick(5)],
                      .period_ms = std::array<Millis, 5>{1, 5, 50, 500, 5000}[pick(5)]};
  config.link_intensity = {.max_restarts = std::array<std::uint32_t, 4>{0, 1, 2, 4}[pick(4)],
                           .period_ms = std::array<Millis, 3>{10, 100, 1000}[pick(3)]};
  config.root_intensity = {.max_restarts = std::array<std::uint32_t, 4>{0, 1, 2, 3}[pick(4)],
                           .period_ms = std::array<Millis, 3>{10, 100, 1000}[pick(3)]};
  config.sup_restart = pick(4) == 0 ? Restart::transient : Restart::permanent;
  const int workers = 2 + static_cast<int>(pick(kMaxWorkers - 1));
  for (int i = 0; i < workers; ++i) {
    WorkerConfig worker;
    worker.restart =
        std::array{Restart::permanent, Restart::permanent, Restart::transient, Restart::temporary}[pick(4)];
    worker.behaviour =
        std::array{Behaviour::plain, Behaviour::brutal, Behaviour::trap_finish, Behaviour::trap_ignore}[pick(4)];
    worker.trap_type = pick(2) == 0;
    worker.infinity = pick(2) == 0;
    worker.timeout = 1 + pick(30);
    config.workers.push_back(worker);
  }
  const int events = 8 + static_cast<int>(pick(12));
  for (int e = 0; e < events; ++e) {
    Event event;
    const std::uint32_t gap = pick(10);
    event.gap = gap < 3 ? 0 : gap < 6 ? 1 + pick(5) : gap < 9 ? 5 + pick(60) : 200 + pick(2000);
    event.worker = static_cast<int>(pick(static_cast<std::uint32_t>(workers)));
    if (pick(6) == 0) {
      event.admin = std::array{Admin::terminate, Admin::restart, Admin::remove}[pick(3)];
      const int stops = static_cast<int>(pick(3));
      for (int i = 0; i < stops; ++i) {
        const Inject kind =
            std::array{Inject::poison, Inject::noconnection, Inject::killed, Inject::crash, Inject::shutdown}[pick(5)];
        event.injections.push_back(Injection{
            kind, static_cast<int>(pick(static_cast<std::uint32_t>(workers))), 1 + static_cast<int>(pick(2))});
      }
    } else {
      const int count = 1 + static_cast<int>(pick(3));
      for (int i = 0; i < count; ++i) {
        Injection injection;
        const std::uint32_t kind = pick(20);
        injection.kind = kind < 7    ? Inject::boom
                         : kind < 11 ? Inject::finish
                         : kind < 14 ? Inject::noconnection
                         : kind < 15 ? Inject::killed
                         : kind < 16 ? Inject::shutdown
                         : kind < 17 ? Inject::crash
                                     : Inject::poison;
        injection.worker = static_cast<int>(pick(static_cast<std::uint32_t>(workers)));
        injection.amount = 1 + static_cast<int>(pick(3));
        event.injections.push_back(injection);
      }
    }
    std::stable_sort(event.injections.begin(), event.injections.end(), [](const Injection& a, const Injection& b) {
      return category(a.kind) < category(b.kind);
    });
    scenario.events.push_back(event);
  }
  return scenario;
}

std::string worker_name(int index) {
  std::string name = "w";
  name += std::to_string(index);
  return name;
}

const char* event_name(Inject kind) { return kind == Inject::boom ? "boom" : "finish"; }

std::string describe(const Config& config) {
  std::ostringstream out;
  out << "strategy " << static_cast<int>(config.strategy) << " intensity " << config.intensity.max_restarts << "/"
      << config.intensity.period_ms << " link " << config.link_intensity.max_restarts << "/"
      << config.link_intensity.period_ms << " root " << config.root_intensity.max_restarts << "/"
      << config.root_intensity.period_ms << " sup restart " << static_cast<int>(config.sup_restart) << "\n";
  for (std::size_t i = 0; i < config.workers.size(); ++i) {
    const WorkerConfig& w = config.workers[i];
    out << "  w" << i << " restart " << static_cast<int>(w.restart) << " behaviour " << static_cast<int>(w.behaviour)
        << " trap_type " << w.trap_type << " infinity " << w.infinity << " timeout " << w.timeout << "\n";
  }
  return out.str();
}

// The exit reason an injection gives, as the trace prints it ("kind:text").
std::string injected_reason(Inject kind, bool asked_to_shut_down) {
  switch (kind) {
    case Inject::boom: return "failed:boom";
    case Inject::finish: return asked_to_shut_down ? "shutdown:shutdown" : "normal:normal";
    case Inject::noconnection: return "noconnection:noconnection";
    case Inject::killed: return "killed:killed";
    case Inject::shutdown: return "shutdown:shutdown";
    case Inject::crash: return "failed:crash";
    case Inject::poison: break;
  }
  return "?";
}

// ---- the reference model -------------------------------------------------------------

// OTP's supervisor, reduced to what this test drives: a root (one_for_one,
// one child: the supervisor "sup") and sup's workers. Written from OTP's
// supervisor.erl: children keep a pid (undefined, a running pid, or
// restarting); EXIT messages are handled in arrival order and only if the pid
// still matches; terminating a child consumes its EXIT; a failed restart
// queues try_again, which counts as a restart again; add_restart keeps the
// restarts at or after Now - Period and gives up when more than MaxR remain.
// Two rules are this runtime's own, as documented: exits with reason
// noconnection have their own restart list, and a supervisor whose init fails
// stops the children it started at once (a kill for brutal_kill, else a
// graceful stop), since a start cannot wait for a child to trap shutdown.
class Model {
 public:
  explicit Model(const Config& config) : config_(config) {
    for (std::size_t i = 0; i < config.workers.size(); ++i) actors_.push_back(Actor{worker_name(static_cast<int>(i))});
    actors_.push_back(Actor{"sup"});
    actors_.push_back(Actor{"root"});
  }

  void start() {
    if (start_sup()) {
      root_pid_ = Pid::running;
      root_pid_inc_ = actors_[sup()].inc;
    }
    line("start root#1");
    actors_[root()].alive = true;
  }

  void advance_to(Millis until) {
    // Shutdown timeouts that run out on the way.
    while (job_ && job_->waiting >= 0 && job_->deadline <= until) {
      now_ = job_->deadline;
      exit_actor(job_->waiting, "killed:killed");
      run_sup(true);
    }
    now_ = until;
  }

  void batch(const std::vector<Injection>& injections, Admin admin, int admin_worker) {
    struct Sent {
      int worker;
      std::uint32_t inc;
      Inject kind;
    };
    std::vector<Sent> sent;
    for (const Injection& injection : injections) {
      Actor& actor = actors_[static_cast<std::size_t>(injection.worker)];
      const std::string name = worker_name(injection.worker);
      switch (category(injection.kind)) {
        case 0:
          actor.poison += injection.amount;
          line("poison " + name + " " + std::to_string(injection.amount));
          break;
        case 1:
          line("send " + name + " " + event_name(injection.kind) + (actor.alive ? " ok" : " dead"));
          if (actor.alive) sent.push_back(Sent{injection.worker, actor.inc, injection.kind});
          break;
        default:
          line("stop " + name + " " + injected_reason(injection.kind, false));
          if (actor.alive) spontaneous_exit(injection.worker, injected_reason(injection.kind, false));
          break;
      }
    }
    if (admin != Admin::none && actors_[sup()].alive) {
      const char* call = admin == Admin::terminate ? "terminate " : admin == Admin::restart ? "restart " : "delete ";
      admin_call(admin, admin_worker, call + worker_name(admin_worker) + " -> ");
    }
    // The loop runs: the actors that got messages, in send order, then sup.
    for (const Sent& s : sent) {
      const Actor& actor = actors_[static_cast<std::size_t>(s.worker)];
      if (!actor.alive || actor.inc != s.inc) continue;  // stopped first: the message was discarded
      spontaneous_exit(s.worker, injected_reason(s.kind, actor.asked));
    }
    run_sup(true);
  }

  void finish(Millis until) {
    advance_to(until);
    std::string state = "end";
    for (const Actor& actor : actors_)
      state += " " + actor.name + (actor.alive ? "+" : "-") + std::to_string(actor.inc);
    lines_.push_back(state);
  }

  const Lines& lines() const { return lines_; }

 private:
  enum class Pid : std::uint8_t { undefined, running, restarting };
  struct Actor {
    std::string name;
    std::uint32_t inc = 1;
    bool alive = false;
    bool asked = false;  // asked to shut down by sup
    int poison = 0;      // starts to refuse
  };
  struct Record {
    int worker = 0;
    Pid pid = Pid::undefined;
    std::uint32_t inc = 0;  // of a running pid
  };
  struct Message {
    bool try_again = false;
    int worker = 0;
    std::uint32_t inc = 0;
    std::string reason;
  };
  enum class JobKind : std::uint8_t { restart, terminate, escalate };
  // What sup is doing: terminating children one at a time (and possibly
  // waiting for one), then, for a restart, starting the group.
  struct Job {
    JobKind kind = JobKind::restart;
    int target = -1;
    std::deque<int> to_stop;
    int waiting = -1;
    Millis deadline = 0;
  };

  std::size_t sup() const { return config_.workers.size(); }
  std::size_t root() const { return config_.workers.size() + 1; }
  const WorkerConfig& spec(int worker) const { return config_.workers[static_cast<std::size_t>(worker)]; }

  void line(const std::string& text) { lines_.push_back(std::to_string(now_) + " " + text); }

  static bool abnormal(const std::string& reason) { return reason != "normal:normal" && reason != "shutdown:shutdown"; }

  // supervisor:add_restart/3.
  bool add_restart(std::deque<Millis>& restarts, lit::Intensity intensity) const {
    const auto threshold = static_cast<std::int64_t>(now_) - static_cast<std::int64_t>(intensity.period_ms);
    while (!restarts.empty() && static_cast<std::int64_t>(restarts.back()) < threshold) restarts.pop_back();
    restarts.push_front(now_);
    return restarts.size() <= intensity.max_restarts;
  }

  Record* find(int worker) {
    for (Record& record : records_) {
      if (record.worker == worker) return &record;
    }
    return nullptr;
  }
  void remove(int worker) {
    records_.erase(
        std::remove_if(records_.begin(), records_.end(), [worker](const Record& r) { return r.worker == worker; }),
        records_.end());
  }

  void exit_actor(int index, const std::string& reason) {
    Actor& actor = actors_[static_cast<std::size_t>(index)];
    line("exit " + actor.name + "#" + std::to_string(actor.inc) + " " + reason);
    actor.alive = false;
    actor.asked = false;
    ++actor.inc;
  }

  bool start_worker(int worker) {
    Actor& actor = actors_[static_cast<std::size_t>(worker)];
    if (actor.poison > 0) {
      --actor.poison;
      line("refuse " + actor.name + "#" + std::to_string(actor.inc));
      ++actor.inc;
      return false;
    }
    line("start " + actor.name + "#" + std::to_string(actor.inc));
    actor.alive = true;
    actor.asked = false;
    return true;
  }

  // A worker exited by itself: sup gets its EXIT, unless sup is waiting for
  // exactly that child to shut down (then the wait ends).
  void spontaneous_exit(int worker, const std::string& reason) {
    const std::uint32_t inc = actors_[static_cast<std::size_t>(worker)].inc;
    exit_actor(worker, reason);
    if (!actors_[sup()].alive) return;
    if (job_ && job_->waiting == worker) return;
    mailbox_.push_back(Message{false, worker, inc, reason});
  }

  // sup's init: its children are the init list again, all started in order;
  // if one fails, the started ones are stopped in reverse order at once.
  bool start_sup() {
    records_.clear();
    for (std::size_t i = 0; i < config_.workers.size(); ++i) records_.push_back(Record{static_cast<int>(i)});
    mailbox_.clear();
    restarts_.clear();
    link_restarts_.clear();
    job_.reset();
    exit_ready_ = false;
    for (std::size_t i = 0; i < records_.size(); ++i) {
      Record& record = records_[i];
      if (start_worker(record.worker)) {
        record.pid = Pid::running;
        record.inc = actors_[static_cast<std::size_t>(record.worker)].inc;
        continue;
      }
      for (std::size_t j = i; j-- > 0;) {
        const bool brutal = spec(records_[j].worker).behaviour == Behaviour::brutal;
        exit_actor(records_[j].worker, brutal ? "killed:killed" : "shutdown:shutdown");
      }
      ++actors_[sup()].inc;  // the failed start used an incarnation
      return false;
    }
    line("start sup#" + std::to_string(actors_[sup()].inc));
    actors_[sup()].alive = true;
    return true;
  }

  // Terminates one child; false if sup must wait for it.
  bool terminate(Job& job, int worker) {
    Actor& actor = actors_[static_cast<std::size_t>(worker)];
    if (!actor.alive) return true;
    switch (spec(worker).behaviour) {
      case Behaviour::brutal: exit_actor(worker, "killed:killed"); return true;
      case Behaviour::plain: exit_actor(worker, "shutdown:shutdown"); return true;
      case Behaviour::trap_finish:  // it finishes on its own turn in the loop
      case Behaviour::trap_ignore:  // killed when its timeout runs out
        actor.asked = true;
        job.waiting = worker;
        job.deadline = now_ + spec(worker).timeout;
        return false;
    }
    return true;
  }

  // After terminating a child (its EXIT consumed): temporary children go,
  // except the failed child itself and except when sup is giving up anyway.
  void terminated(const Job& job, int worker) {
    Record* const record = find(worker);
    if (record == nullptr) return;
    if (job.kind != JobKind::escalate && spec(worker).restart == Restart::temporary) {
      remove(worker);
    } else {
      record->pid = Pid::undefined;
    }
  }

  // Runs the job until it waits or ends; false if it waits.
  bool advance_job() {
    Job& job = *job_;
    if (job.waiting >= 0) {
      if (actors_[static_cast<std::size_t>(job.waiting)].alive) return false;
      terminated(job, job.waiting);
      job.waiting = -1;
    }
    while (!job.to_stop.empty()) {
      const int worker = job.to_stop.front();
      job.to_stop.pop_front();
      if (!terminate(job, worker)) return false;
      terminated(job, worker);
    }
    if (job.kind == JobKind::restart) {
      std::vector<int> group;
      bool after_target = false;
      for (const Record& record : records_) {
        after_target = after_target || record.worker == job.target;
        const bool in_group = config_.strategy == Strategy::one_for_all ||
                              (config_.strategy == Strategy::rest_for_one && after_target) ||
                              record.worker == job.target;
        if (in_group) group.push_back(record.worker);
      }
      for (const int worker : group) {
        Record* const record = find(worker);
        if (start_worker(worker)) {
          record->pid = Pid::running;
          record->inc = actors_[static_cast<std::size_t>(worker)].inc;
          continue;
        }
        record->pid = Pid::restarting;
        mailbox_.push_back(Message{true, worker, 0, ""});
        break;
      }
    }
    // Giving up ends with sup's exit, on its next turn in the loop.
    exit_ready_ = job.kind == JobKind::escalate;
    job_.reset();
    return true;
  }

  void sup_exits() {
    Actor& actor = actors_[sup()];
    const std::uint32_t inc = actor.inc;
    exit_actor(static_cast<int>(sup()), "shutdown:shutdown");
    mailbox_.clear();
    exit_ready_ = false;
    root_child_exited(inc, "shutdown:shutdown");
  }

  // supervisor:restart/2 for sup's child `worker`.
  void restart(int worker, const std::string& reason) {
    const bool link = reason == "noconnection:noconnection";
    if (!add_restart(link ? link_restarts_ : restarts_, link ? config_.link_intensity : config_.intensity)) {
      line("escalate sup shutdown:reached_max_restart_intensity");
      job_ = Job{JobKind::escalate, -1, {}, -1, 0};
      for (auto it = records_.rbegin(); it != records_.rend(); ++it) job_->to_stop.push_back(it->worker);
      return;
    }
    job_ = Job{JobKind::restart, worker, {}, -1, 0};
    bool after_target = false;
    std::vector<int> stop;
    for (const Record& record : records_) {
      if (record.worker == worker) {
        after_target = true;
        continue;
      }
      if (config_.strategy == Strategy::one_for_all || (config_.strategy == Strategy::rest_for_one && after_target)) {
        stop.push_back(record.worker);
      }
    }
    job_->to_stop.assign(stop.rbegin(), stop.rend());
  }

  void handle(const Message& message) {
    Record* const record = find(message.worker);
    if (message.try_again) {
      if (record != nullptr && record->pid == Pid::restarting) restart(message.worker, "failed:start");
      return;
    }
    if (record == nullptr || record->pid != Pid::running || record->inc != message.inc) return;  // stale
    switch (spec(message.worker).restart) {
      case Restart::permanent: restart(message.worker, message.reason); break;
      case Restart::transient:
        if (abnormal(message.reason)) {
          restart(message.worker, message.reason);
        } else {
          record->pid = Pid::undefined;
        }
        break;
      case Restart::temporary: remove(message.worker); break;
    }
  }

  // sup handles its messages in order. Outside the loop (`loop` false: an
  // administration call handling what came before it) children that trap
  // shutdown have not had their turn yet, and sup cannot exit yet.
  void run_sup(bool loop) {
    while (actors_[sup()].alive) {
      if (exit_ready_) {
        if (loop) sup_exits();
        return;
      }
      if (job_) {
        if (advance_job()) continue;
        // Waiting. A child that traps shutdown and finishes does so on its turn.
        const int waiting = job_->waiting;
        if (!loop || spec(waiting).behaviour != Behaviour::trap_finish) return;
        exit_actor(waiting, "shutdown:shutdown");
        continue;
      }
      if (mailbox_.empty()) return;
      const Message message = mailbox_.front();
      mailbox_.pop_front();
      handle(message);
    }
  }

  // The root: one_for_one with sup as its only child.
  void root_child_exited(std::uint32_t inc, const std::string& reason) {
    if (root_pid_ != Pid::running || root_pid_inc_ != inc) return;
    const bool restart_it =
        config_.sup_restart == Restart::permanent || (config_.sup_restart == Restart::transient && abnormal(reason));
    root_pid_ = Pid::undefined;
    if (!restart_it) return;
    for (;;) {  // the first restart, then try_again until it starts or the root gives up
      if (!add_restart(root_restarts_, config_.root_intensity)) {
        line("escalate root shutdown:reached_max_restart_intensity");
        exit_actor(static_cast<int>(root()), "shutdown:shutdown");
        return;
      }
      if (start_sup()) {
        root_pid_ = Pid::running;
        root_pid_inc_ = actors_[sup()].inc;
        return;
      }
    }
  }

  // The call, and its answer as a line: after the stops it made at once,
  // before those it waits for (the child shuts down on its own turn).
  // OTP's calls queue behind the messages that came before them: sup
  // handles those first (as far as it can outside the loop).
  void admin_call(Admin kind, int worker, const std::string& call) {
    run_sup(false);
    if (kind == Admin::terminate && !job_ && !exit_ready_ && find(worker) != nullptr) {
      job_ = Job{JobKind::terminate, worker, {worker}, -1, 0};
      run_sup(false);
      line(call + (job_ ? "pending" : "ok"));
      return;
    }
    line(call + admin_result(kind, worker));
  }

  std::string admin_result(Admin kind, int worker) {
    if (job_ || exit_ready_) return "busy";
    Record* const record = find(worker);
    if (record == nullptr) return "not_found";
    switch (kind) {
      case Admin::restart:
        if (record->pid != Pid::undefined) return "running";
        if (!start_worker(worker)) return "start_failed";
        record->pid = Pid::running;
        record->inc = actors_[static_cast<std::size_t>(worker)].inc;
        return "ok";
      case Admin::remove:
        if (record->pid != Pid::undefined) return "running";
        remove(worker);
        return "ok";
      case Admin::terminate:
      case Admin::none: break;
    }
    return "?";
  }

  const Config& config_;
  Millis now_ = 0;
  std::vector<Actor> actors_;
  // sup's state
  std::vector<Record> records_;
  std::deque<Message> mailbox_;
  std::deque<Millis> restarts_;       // newest first
  std::deque<Millis> link_restarts_;  // newest first
  std::optional<Job> job_;
  bool exit_ready_ = false;  // gave up; exits on its next turn
  // the root's state
  Pid root_pid_ = Pid::undefined;
  std::uint32_t root_pid_inc_ = 0;
  std::deque<Millis> root_restarts_;
  Lines lines_;
};

// ---- the real runtime -------------------------------------------------------------------

struct World {
  lit::sim::SimPort* port = nullptr;
  Lines* lines = nullptr;
  std::array<int, kMaxWorkers> poison{};
};

struct Cell {
  struct Params {
    World* world = nullptr;
    int index = 0;
    bool ignore_shutdown = false;
  };
  explicit Cell(const Params& params)
      : world(params.world), index(params.index), ignore_shutdown(params.ignore_shutdown) {}
  bool on_start(lit::Self self) const {
    int& poison = world->poison[static_cast<std::size_t>(index)];
    if (poison == 0) return true;
    --poison;
    world->lines->push_back(std::to_string(world->port->now()) + " refuse " + worker_name(index) + "#" +
                            std::to_string(self.id.incarnation));
    return false;
  }
  World* world;
  int index;
  bool ignore_shutdown;
};

constexpr auto plain_cell =
    lit::chart::define<Cell>("plain_cell",
                             initial("up"),
                             state("up", on("boom").then([](Step& s) { s.fail("boom"); }), on("finish").to("done")),
                             final("done"));

constexpr auto trap_cell =
    lit::chart::define<Cell>("trap_cell",
                             initial("up"),
                             state("up",
                                   on("boom").then([](Step& s) { s.fail("boom"); }),
                                   on("finish").to("done"),
                                   on("shutdown").when([](const Cell& c) { return !c.ignore_shutdown; }).to("done")),
                             final("done"));

using PlainCell = lit::Actor<plain_cell, lit::MailboxConfig{.capacity = 4}>;
using TrapCell = lit::Actor<trap_cell, lit::MailboxConfig{.capacity = 4}>;

class Recorder final : public lit::Observer {
 public:
  Recorder(lit::sim::SimPort& port, Lines& lines) : port_(port), lines_(lines) {}
  void name(const lit::ActorCore& actor, std::string name) { names_.emplace_back(&actor, std::move(name)); }
  void on_started(const lit::ActorCore& actor) override {
    add("start " + label(actor) + "#" + std::to_string(actor.incarnation()));
  }
  void on_exited(const lit::ActorCore& actor, std::uint32_t incarnation, lit::Reason reason) override {
    add("exit " + label(actor) + "#" + std::to_string(incarnation) + " " + lit::to_string(reason.kind) + ":" +
        reason.text);
  }
  void on_escalated(const lit::ActorCore& supervisor, lit::Reason reason) override {
    add("escalate " + label(supervisor) + " " + lit::to_string(reason.kind) + ":" + reason.text);
  }

 private:
  void add(const std::string& text) { lines_.push_back(std::to_string(port_.now()) + " " + text); }
  std::string label(const lit::ActorCore& actor) const {
    for (const auto& [known, name] : names_) {
      if (known == &actor) return name;
    }
    return "?";
  }
  lit::sim::SimPort& port_;
  Lines& lines_;
  std::vector<std::pair<const lit::ActorCore*, std::string>> names_;
};

class Real {
 public:
  Real(const Config& config, std::uint64_t seed)
      : port_(seed),
        scheduler_(port_, {.watches = watches_}),
        recorder_(port_, lines_),
        sup_(lit::SupervisorFlags{
            .strategy = config.strategy, .intensity = config.intensity, .link_intensity = config.link_intensity}),
        root_(lit::SupervisorFlags{.strategy = Strategy::one_for_one,
                                   .intensity = config.root_intensity,
                                   .link_intensity = {.max_restarts = 1, .period_ms = 1000}}) {
    port_.attach(scheduler_);
    scheduler_.set_observer(&recorder_);
    world_.port = &port_;
    world_.lines = &lines_;
    for (std::size_t i = 0; i < config.workers.size(); ++i) {
      const WorkerConfig& worker = config.workers[i];
      const int index = static_cast<int>(i);
      const bool trap = worker.behaviour == Behaviour::trap_finish || worker.behaviour == Behaviour::trap_ignore ||
                        (worker.behaviour == Behaviour::brutal && worker.trap_type);
      const Cell::Params params{&world_, index, worker.behaviour == Behaviour::trap_ignore};
      Slot slot;
      if (trap) {
        slot.trap = std::make_unique<TrapCell>(params);
        slot.core = slot.trap.get();
      } else {
        slot.plain = std::make_unique<PlainCell>(params);
        slot.core = slot.plain.get();
      }
      recorder_.name(*slot.core, worker_name(index));
      ids_.push_back(worker_name(index));
      lit::Shutdown shutdown = lit::Shutdown::timeout(static_cast<std::uint32_t>(worker.timeout));
      if (worker.behaviour == Behaviour::brutal) shutdown = lit::Shutdown::brutal_kill();
      if (worker.behaviour == Behaviour::trap_finish && worker.infinity) shutdown = lit::Shutdown::infinity();
      slots_.push_back(std::move(slot));
      specs_.push_back(
          lit::ChildSpec{.id = nullptr, .actor = slots_.back().core, .restart = worker.restart, .shutdown = shutdown});
    }
    for (std::size_t i = 0; i < specs_.size(); ++i) {
      specs_[i].id = ids_[i].c_str();
      EXPECT_EQ(sup_.add_child(specs_[i]), lit::SupervisorError::ok);
    }
    recorder_.name(sup_, "sup");
    recorder_.name(root_, "root");
    EXPECT_EQ(root_.add_child(lit::ChildSpec{.id = "sup",
                                             .actor = &sup_,
                                             .restart = config.sup_restart,
                                             .shutdown = lit::Shutdown::infinity(),
                                             .type = lit::ChildType::supervisor}),
              lit::SupervisorError::ok);
  }
  Real(const Real&) = delete;
  Real& operator=(const Real&) = delete;

  void start() {
    lit::Reason failure;
    EXPECT_TRUE(scheduler_.start(root_, nullptr, failure)) << failure.text;
    port_.run_until_idle();
  }

  void advance_to(Millis until) { port_.advance(until - port_.now()); }

  void batch(const std::vector<Injection>& injections, Admin admin, int admin_worker) {
    for (const Injection& injection : injections) {
      const std::string name = worker_name(injection.worker);
      Slot& slot = slots_[static_cast<std::size_t>(injection.worker)];
      switch (category(injection.kind)) {
        case 0:
          world_.poison[static_cast<std::size_t>(injection.worker)] += injection.amount;
          line("poison " + name + " " + std::to_string(injection.amount));
          break;
        case 1: {
          const char* event = event_name(injection.kind);
          const lit::SendResult result =
              slot.plain ? scheduler_.send(slot.plain->address(), PlainCell::kTable.find_event(event))
                         : scheduler_.send(slot.trap->address(), TrapCell::kTable.find_event(event));
          line("send " + name + " " + event +
               (result == lit::SendResult::ok     ? " ok"
                : result == lit::SendResult::dead ? " dead"
                                                  : " other"));
          break;
        }
        default: {
          line("stop " + name + " " + injected_reason(injection.kind, false));
          lit::Reason reason = lit::Reason::noconnection();
          lit::StopMode mode = lit::StopMode::kill;
          if (injection.kind == Inject::killed) reason = lit::Reason::killed();
          if (injection.kind == Inject::crash) reason = lit::Reason::failed("crash");
          if (injection.kind == Inject::shutdown) {
            reason = lit::Reason::shutdown();
            mode = lit::StopMode::graceful;
          }
          scheduler_.stop(*slot.core, reason, mode);
          break;
        }
      }
    }
    call(admin, admin_worker);
    port_.run_until_idle();
  }

  void call(Admin kind, int worker) {
    if (kind == Admin::none || !sup_.alive()) return;
    const char* id = ids_[static_cast<std::size_t>(worker)].c_str();
    lit::SupervisorError result = lit::SupervisorError::ok;
    const char* call = "";
    switch (kind) {
      case Admin::terminate:
        call = "terminate ";
        result = sup_.terminate_child(id);
        break;
      case Admin::restart:
        call = "restart ";
        result = sup_.restart_child(id);
        break;
      case Admin::remove:
        call = "delete ";
        result = sup_.delete_child(id);
        break;
      case Admin::none: return;
    }
    line(std::string(call) + id + " -> " + error_name(result));
  }

  void finish(Millis until) {
    advance_to(until);
    std::string state = "end";
    const auto add = [&state](const std::string& name, const lit::ActorCore& actor) {
      state += " " + name + (actor.alive() ? "+" : "-") + std::to_string(actor.incarnation());
    };
    for (std::size_t i = 0; i < slots_.size(); ++i) add(ids_[i], *slots_[i].core);
    add("sup", sup_);
    add("root", root_);
    lines_.push_back(state);
  }

  const Lines& lines() const { return lines_; }

 private:
  struct Slot {
    std::unique_ptr<PlainCell> plain;
    std::unique_ptr<TrapCell> trap;
    lit::ActorCore* core = nullptr;
  };

  static const char* error_name(lit::SupervisorError error) {
    switch (error) {
      case lit::SupervisorError::ok: return "ok";
      case lit::SupervisorError::pending: return "pending";
      case lit::SupervisorError::busy: return "busy";
      case lit::SupervisorError::not_found: return "not_found";
      case lit::SupervisorError::running: return "running";
      case lit::SupervisorError::start_failed: return "start_failed";
      default: return lit::to_string(error);
    }
  }

  void line(const std::string& text) { lines_.push_back(std::to_string(port_.now()) + " " + text); }

  Lines lines_;
  World world_;
  lit::sim::SimPort port_;
  std::array<lit::Watch, 4> watches_{};
  lit::Scheduler scheduler_;
  Recorder recorder_;
  std::vector<Slot> slots_;
  std::vector<std::string> ids_;
  std::vector<lit::ChildSpec> specs_;
  lit::StaticSupervisor<kMaxWorkers, 8, 8> sup_;
  lit::StaticSupervisor<1, 8, 8> root_;
};

// ---- running both -------------------------------------------------------------------------

template <class System>
Lines run(System& system, const Scenario& scenario) {
  system.start();
  Millis now = 0;
  for (const Event& event : scenario.events) {
    now += event.gap;
    system.advance_to(now);
    system.batch(event.injections, event.admin, event.worker);
  }
  system.finish(now + 100);
  return system.lines();
}

Lines run_model(const Scenario& scenario) {
  Model model(scenario.config);
  return run(model, scenario);
}

Lines run_real(const Scenario& scenario, std::uint64_t seed) {
  Real real(scenario.config, seed);
  return run(real, scenario);
}

std::string side_by_side(const Lines& expected, const Lines& actual) {
  std::ostringstream out;
  const std::size_t rows = std::max(expected.size(), actual.size());
  for (std::size_t i = 0; i < rows; ++i) {
    const std::string left = i < expected.size() ? expected[i] : "";
    const std::string right = i < actual.size() ? actual[i] : "";
    out << (left == right ? "   " : "!! ") << left << std::string(left.size() < 48 ? 48 - left.size() : 1, ' ') << "| "
        << right << "\n";
  }
  return out.str();
}

TEST(SupervisorModel, real_supervisor_matches_the_otp_reference_model_on_random_failure_schedules) {
  constexpr std::uint64_t kSeeds = 10000;
  const auto began = std::chrono::steady_clock::now();
  int mismatches = 0;
  std::size_t lines = 0;
  std::size_t escalations = 0;
  for (std::uint64_t seed = 1; seed <= kSeeds && mismatches < 3; ++seed) {
    const Scenario scenario = generate(seed);
    const Lines expected = run_model(scenario);
    const Lines actual = run_real(scenario, seed);
    lines += actual.size();
    for (const std::string& line : actual) escalations += line.find(" escalate ") != std::string::npos ? 1U : 0U;
    if (actual != expected) {
      ++mismatches;
      ADD_FAILURE() << "seed " << seed << ": the supervisor's trace differs from the model's\n"
                    << describe(scenario.config) << "model (left) | real (right)\n"
                    << side_by_side(expected, actual);
    }
    // The same seed gives the same trace.
    if (seed % 4 == 0) {
      EXPECT_EQ(run_real(scenario, seed), actual) << "seed " << seed << " is not deterministic";
    }
  }
  const auto elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began).count();
  std::printf("%llu seeds, %zu trace lines, %zu escalations, %lld ms\n",
              static_cast<unsigned long long>(kSeeds),
              lines,
              escalations,
              static_cast<long long>(elapsed));
  // The schedules must reach the interesting paths, or the comparison proves little.
  EXPECT_GT(escalations, kSeeds / 4);
}

TEST(SupervisorModel, same_seed_gives_the_same_scenario_and_trace) {
  for (std::uint64_t seed : {7U, 99U, 2024U}) {
    const Scenario first = generate(seed);
    const Scenario second = generate(seed);
    EXPECT_EQ(describe(first.config), describe(second.config));
    EXPECT_EQ(run_real(first, seed), run_real(second, seed));
    EXPECT_EQ(run_model(first), run_model(second));
  }
  EXPECT_NE(run_real(generate(1), 1), run_real(generate(2), 2));
}

}  // namespace
