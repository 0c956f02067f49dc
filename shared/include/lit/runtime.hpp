// The actor runtime in one include: ports, mailboxes, actors, the scheduler
// and supervisors, on top of the statechart core.
#pragma once

#include "lit/actor.hpp"
#include "lit/mailbox.hpp"
#include "lit/port.hpp"
#include "lit/reason.hpp"
#include "lit/restart_intensity.hpp"
#include "lit/scheduler.hpp"
#include "lit/statechart.hpp"
#include "lit/supervisor.hpp"
