# The two set-up commands of the README are `make run` and `make test`.
SHELL := /bin/bash
BUILD_DIR ?= build
JOBS ?= $(shell nproc)
DATA_DIR ?= /var/lib/cube
PORT ?= 6443

DEB_PACKAGES := build-essential cmake ninja-build ccache lld pkg-config \
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev \
  libyaml-cpp-dev libsqlite3-dev libssl-dev libcli11-dev \
  libgtest-dev libgmock-dev libbenchmark-dev curl \
  libarchive-dev busybox-static crun libjemalloc-dev nftables zlib1g-dev

CMAKE_FLAGS := -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo
ifdef CI
CMAKE_FLAGS += -DCUBE_NO_DEBUG_INFO=ON
endif

.PHONY: deps build run test bench clean format

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "installing: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

build:
	@[ -f $(BUILD_DIR)/build.ninja ] || cmake -S . -B $(BUILD_DIR) $(CMAKE_FLAGS)
	cmake --build $(BUILD_DIR) -j $(JOBS)

# The node imports the archives of DATA_DIR/agent/images when it starts (no registry yet): the
# small busybox and http-echo images of tests/images are put there once, so pods can run at once.
SAMPLE_IMAGES := $(DATA_DIR)/agent/images/cube-test-busybox.tar
run: deps build $(SAMPLE_IMAGES)
	$(BUILD_DIR)/cube server --data-dir $(DATA_DIR) --port $(PORT)

$(SAMPLE_IMAGES):
	bash tests/images/build.sh $(BUILD_DIR)/sample-images >/dev/null
	mkdir -p $(dir $@)
	cp $(BUILD_DIR)/sample-images/http-echo-oci.tar $(dir $@)cube-test-http-echo.tar
	cp $(BUILD_DIR)/sample-images/busybox-oci.tar $@

test: deps build
	cd $(BUILD_DIR) && ctest --output-on-failure -j 2

bench: deps build
	cmake --build $(BUILD_DIR) -j $(JOBS) --target benchmarks

format:
	clang-format -i $$(git ls-files '*.cpp' '*.h')

clean:
	rm -rf $(BUILD_DIR)
