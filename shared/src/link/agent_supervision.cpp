// The DeviceAgent's commands to device supervisors' children (agent.hpp's
// AgentSupervision); an agent without device supervisors leaves it out.
#include "lit/link/agent.hpp"

namespace lit::link {

const AgentSupervision kAgentSupervision{
    .idle = [](Supervisor& supervisor) { return supervisor.idle(); },
    .hold = [](Supervisor& supervisor,
               const char* child,
               bool held) { static_cast<void>(supervisor.hold_child(child, held)); },
    .terminate = [](Supervisor& supervisor, const char* child) { return supervisor.terminate_child(child); },
    .restart = [](Supervisor& supervisor, const char* child) { return supervisor.restart_child(child); },
    .describe = [](SupervisorError error) { return to_string(error); },
};

}  // namespace lit::link
