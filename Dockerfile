# The litd image, built on a clean Debian 12 with the project's own scripts
# (the same ones CI runs):
#   docker build -t litd .
#   docker run --rm litd                         litd with daemon/litd/sample.toml
#   docker run --rm litd bash scripts/test.sh    every test, as CI runs them
FROM debian:bookworm

ENV DEBIAN_FRONTEND=noninteractive
WORKDIR /src/lit-bit

# The package install depends only on the setup script, so it stays cached
# while the sources change.
COPY scripts/setup.sh scripts/setup.sh
RUN bash scripts/setup.sh

COPY . .
RUN bash scripts/build.sh
RUN build/daemon/litd/litd --check daemon/litd/sample.toml

CMD ["build/daemon/litd/litd", "--config", "daemon/litd/sample.toml"]
