# A clean Debian 12 machine running the test command, as CI does:
#   docker build -t lit-bit .            (installs, builds and tests)
#   docker run --rm lit-bit              (the demo: the chart on emulated Cortex-M3)
FROM debian:bookworm

ENV DEBIAN_FRONTEND=noninteractive
WORKDIR /src/lit-bit

# The package install depends only on the setup script, so it stays cached
# while the sources change.
COPY scripts/setup.sh scripts/setup.sh
RUN bash scripts/setup.sh

COPY . .
RUN bash scripts/test.sh

CMD ["bash", "scripts/demo.sh"]
