// The container shim's attach socket, through the agent's side of it (attach_session.h): output
// to every attached client, stdin from any, the stdinOnce rule (the container's stdin closes when
// the first session's stdin ends; without it the session ends instead), a terminal (one stream,
// resizes), and the log written all the while. The shim is the real one, forked without exec.
#include "runtime/crun/container_shim.h"
#include "runtime/crun/attach_session.h"
#include "runtime/crun/container_log.h"

#include "test_archives.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace cube::runtime::crun {
namespace {

using images::UniqueFd;
using images::testing::readWhole;
using images::testing::TempDir;

// Reads `fd` until `want` bytes came, end of file, or 10 s without data.
std::string readSome(int fd, size_t want) {
  std::string out;
  char buf[4096];
  while (out.size() < want) {
    struct pollfd p {
      fd, POLLIN, 0
    };
    if (::poll(&p, 1, 10000) <= 0) break;
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

// What a session reads until it holds `want` bytes or ends, by stream.
struct Output {
  std::string out, err;
  bool ended = false;
};
Output readSession(Runtime::AttachSession& s, size_t want) {
  Output o;
  uint8_t stream;
  std::string data;
  while (o.out.size() + o.err.size() < want) {
    if (!s.read(&stream, &data)) {
      o.ended = true;
      break;
    }
    (stream == 2 ? o.err : o.out) += data;
  }
  return o;
}

void writeAll(int fd, std::string_view text) {
  ASSERT_EQ(::write(fd, text.data(), text.size()), static_cast<ssize_t>(text.size()));
}

// A container stand-in: the test holds the container's ends of its stdio pipes.
class ShimTest : public ::testing::Test {
 protected:
  void start(bool stdin, bool stdinOnce) {
    int p[2];
    ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
    UniqueFd outRead(p[0]);
    out_ = UniqueFd(p[1]);
    ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
    UniqueFd errRead(p[0]);
    err_ = UniqueFd(p[1]);
    UniqueFd inWrite;
    if (stdin) {
      ASSERT_EQ(::pipe2(p, O_CLOEXEC), 0);
      in_ = UniqueFd(p[0]);
      inWrite = UniqueFd(p[1]);
    }
    UniqueFd log(::open(logPath().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
    UniqueFd listen = listenAttachSocket(attachDir());
    ShimFds fds;
    fds.stdoutFd = outRead.get();
    fds.stderrFd = errRead.get();
    fds.logFd = log.get();
    fds.attachFd = listen.get();
    fds.stdinFd = inWrite.get();
    fds.stdinOnce = stdinOnce;
    shim_ = startLogShim(fds);
  }
  // The container's end: its output closes, and the shim ends.
  void finish() {
    out_.reset();
    err_.reset();
    in_.reset();
    int status = 0;
    ASSERT_EQ(::waitpid(shim_, &status, 0), shim_);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    shim_ = -1;
  }
  void TearDown() override {
    if (shim_ > 0) finish();
  }
  std::string logPath() const { return dir_.path() + "/0.log"; }
  std::unique_ptr<Runtime::AttachSession> attach(bool stdin) {
    return connectAttachSocket(attachDir(), {stdin, true, true});
  }
  std::string attachDir() const { return attachDir_.empty() ? dir_.path() : attachDir_; }
  TempDir dir_;
  std::string attachDir_;  // where the attach socket is; empty: dir_
  UniqueFd out_, err_, in_;
  pid_t shim_ = -1;
};

TEST_F(ShimTest, OutputGoesToEverySessionAndTheLog) {
  start(false, false);
  auto a = attach(false);
  auto b = attach(false);
  writeAll(out_.get(), "to both\n");
  writeAll(err_.get(), "an error\n");
  for (auto* s : {a.get(), b.get()}) {
    Output o = readSession(*s, 17);
    EXPECT_EQ(o.out, "to both\n");
    EXPECT_EQ(o.err, "an error\n");
  }
  finish();
  EXPECT_TRUE(readSession(*a, 1).ended) << "the container's end ends the session";
  std::string log = readWhole(logPath());
  EXPECT_NE(log.find(" stdout F to both\n"), std::string::npos) << log;
  EXPECT_NE(log.find(" stderr F an error\n"), std::string::npos) << log;
}

TEST_F(ShimTest, StdinFromAnySessionAndStdinOnceClosesItAfterTheFirst) {
  start(true, true);
  auto a = attach(true);
  auto b = attach(true);
  ASSERT_TRUE(a->writeStdin("from a\n"));
  EXPECT_EQ(readSome(in_.get(), 7), "from a\n");
  ASSERT_TRUE(b->writeStdin("from b\n"));
  EXPECT_EQ(readSome(in_.get(), 7), "from b\n");
  a->closeStdin();
  // The container reads end of file (readSome ends at it); b's later input goes nowhere.
  EXPECT_EQ(readSome(in_.get(), 1), "");
  writeAll(out_.get(), "still attached\n");
  Output o = readSession(*a, 15);
  EXPECT_FALSE(o.ended) << "with stdinOnce the session goes on after its stdin ended";
  EXPECT_EQ(o.out, "still attached\n");
}

TEST_F(ShimTest, WithoutStdinOnceTheEndOfASessionsStdinEndsTheSessionOnly) {
  start(true, false);
  auto a = attach(true);
  auto b = attach(true);
  ASSERT_TRUE(a->writeStdin("x"));
  EXPECT_EQ(readSome(in_.get(), 1), "x");
  a->closeStdin();
  EXPECT_TRUE(readSession(*a, 1 << 20).ended);
  ASSERT_TRUE(b->writeStdin("y"));
  EXPECT_EQ(readSome(in_.get(), 1), "y") << "the container's stdin stays open";
  // A client that goes away does not close it either.
  b.reset();
  auto c = attach(true);
  ASSERT_TRUE(c->writeStdin("z"));
  EXPECT_EQ(readSome(in_.get(), 1), "z");
}

TEST_F(ShimTest, StdinOnceSessionGoneClosesStdin) {
  start(true, true);
  auto a = attach(true);
  ASSERT_TRUE(a->writeStdin("x"));
  EXPECT_EQ(readSome(in_.get(), 1), "x");
  a.reset();  // kubectl killed: its connection ends
  EXPECT_EQ(readSome(in_.get(), 1), "");
}

TEST_F(ShimTest, ATerminalIsOneStreamWithResizes) {
  UniqueFd master(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC));
  ASSERT_TRUE(master);
  ASSERT_EQ(::grantpt(master.get()), 0);
  ASSERT_EQ(::unlockpt(master.get()), 0);
  UniqueFd slave(::open(::ptsname(master.get()), O_RDWR | O_NOCTTY | O_CLOEXEC));
  ASSERT_TRUE(slave);
  struct termios t {};
  ASSERT_EQ(::tcgetattr(slave.get(), &t), 0);
  ::cfmakeraw(&t);  // no echo, no \r\n: the bytes as written
  ASSERT_EQ(::tcsetattr(slave.get(), TCSANOW, &t), 0);
  UniqueFd log(::open(logPath().c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640));
  UniqueFd listen = listenAttachSocket(dir_.path());
  UniqueFd input(::fcntl(master.get(), F_DUPFD_CLOEXEC, 0));
  ShimFds fds;
  fds.stdoutFd = master.get();
  fds.logFd = log.get();
  fds.attachFd = listen.get();
  fds.stdinFd = input.get();
  fds.tty = true;
  fds.stdinOnce = true;  // no effect with a terminal
  pid_t shim = startLogShim(fds);
  master.reset();
  input.reset();
  log.reset();
  listen.reset();

  auto s = attach(true);
  ASSERT_TRUE(s->writeStdin("typed"));
  EXPECT_EQ(readSome(slave.get(), 5), "typed");
  s->resize(101, 33);
  struct winsize ws {};
  for (int i = 0; i < 500 && ws.ws_col != 101; ++i) {
    ::usleep(2000);
    ASSERT_EQ(::ioctl(slave.get(), TIOCGWINSZ, &ws), 0);
  }
  EXPECT_EQ(ws.ws_col, 101);
  EXPECT_EQ(ws.ws_row, 33);
  writeAll(slave.get(), "shown\n");
  Output o = readSession(*s, 6);
  EXPECT_EQ(o.out, "shown\n");
  EXPECT_EQ(o.err, "");
  slave.reset();  // the container's last process ends: EIO on the master ends the shim
  int status = 0;
  ASSERT_EQ(::waitpid(shim, &status, 0), shim);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_TRUE(readSession(*s, 1).ended);
  EXPECT_NE(readWhole(logPath()).find(" stdout F shown"), std::string::npos);
}

TEST_F(ShimTest, NoShimNoSession) {
  EXPECT_THROW(connectAttachSocket(dir_.path(), {}), RuntimeError);
}

TEST_F(ShimTest, LongDirectoriesGoThroughProc) {
  attachDir_ = dir_.path();
  for (int i = 0; i < 4; ++i) attachDir_ += "/" + std::string(40, 'd');
  ASSERT_GT(attachDir_.size(), sizeof(sockaddr_un::sun_path));
  std::filesystem::create_directories(attachDir_);
  start(false, false);
  EXPECT_TRUE(std::filesystem::exists(attachDir_ + "/attach"));
  auto s = attach(false);
  writeAll(out_.get(), "deep\n");
  EXPECT_EQ(readSession(*s, 5).out, "deep\n");
}

}  // namespace
}  // namespace cube::runtime::crun
