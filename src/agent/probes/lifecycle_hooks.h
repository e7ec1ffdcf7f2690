#pragma once
// Container lifecycle hooks (spec.containers[].lifecycle.postStart / preStop) as the kubelet runs
// them: exec in the container, httpGet against the pod, sleep. postStart runs right after the
// start (the pod worker waits for it; a failure kills the container: FailedPostStartHook);
// preStop runs before the stop signal, within the grace period, and the stop gets what is left
// of the grace (at least 2 s, as the kubelet allows), whatever the hook's outcome
// (FailedPreStopHook).

#include "agent/probes/probe_action.h"
#include "agent/probes/probe_spec.h"

#include <boost/json/object.hpp>

#include <chrono>
#include <functional>
#include <optional>
#include <string>

namespace cube::agent::probes {

// lifecycle.<which> ("postStart" / "preStop") of a container spec; nullopt when absent.
std::optional<ProbeAction> lifecycleHook(const boost::json::object& containerSpec,
                                         const std::string& which);

// Runs the hook; the failure message reads as the kubelet's event does:
// `Exec lifecycle hook ([sh -c exit 1]) for Container "c" in Pod "p_ns(uid)" failed - error:
// command 'sh -c exit 1' exited with 1: , message: "..."`. An httpGet hook is done once any
// response arrives (its status is not looked at); an HTTPS one answered in plain HTTP is asked
// again over HTTP, and if that goes through the result is a success with a warning: the
// kubelet's LifecycleHTTPFallback event on the pod ("request to HTTPS lifecycle hook
// 10.42.0.7:8443 got HTTP response, retry with HTTP succeeded").
ProbeResult runHook(const ProbeAction& hook, const ActionTarget& target,
                    const std::string& containerName, const std::string& podDescription,
                    std::chrono::milliseconds timeout);

// The grace left for the stop signal after a preStop hook that took `spent` of `grace`.
std::chrono::seconds graceAfterPreStop(std::chrono::seconds grace, std::chrono::milliseconds spent);

}  // namespace cube::agent::probes
