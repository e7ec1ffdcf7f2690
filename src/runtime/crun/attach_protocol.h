#pragma once
// The attach socket of a container's shim (container_shim.h): a Unix SOCK_SEQPACKET socket named
// `attach` in the container's bundle dir, as conmon has one. Every packet is one message, its
// first byte says what it carries (the Kubernetes stream channel's number where there is one):
//
//   client → shim   kHello + flags (the first packet)   kStdin + bytes   kStdinEnd
//                   kResize + width + height (two little-endian uint16)
//   shim → client   kReady (the answer to kHello)   kStdout + bytes   kStderr + bytes
//
// kReady comes before any output: what the container writes after the client has read it
// reaches the client.
//
// The shim closes a client's connection when the container's output has ended, or when the
// client's stdin ended and the container is not `stdinOnce` (the kubelet's rule, Runtime::
// AttachSession::closeStdin). A client too slow to take the output loses what did not fit its
// socket's buffer (the log has everything): the container never waits for an attach client.

#include <cstddef>
#include <cstdint>

namespace cube::runtime::crun::attach {

inline constexpr uint8_t kStdin = 0, kStdout = 1, kStderr = 2, kResize = 4, kHello = 'h',
                         kReady = 'r', kStdinEnd = 255;
// kHello's flags.
inline constexpr uint8_t kWantsStdin = 1, kWantsStdout = 2, kWantsStderr = 4;
// The largest packet either side sends: a kind byte and up to 16 KiB.
inline constexpr size_t kMaxPayload = 16 * 1024;
inline constexpr size_t kMaxPacket = kMaxPayload + 1;
inline constexpr const char* kSocketName = "attach";
// Attach clients a shim serves at once; more are refused (their connection closes at once).
inline constexpr int kMaxClients = 16;

}  // namespace cube::runtime::crun::attach
