// Between the link UART's common part (boards/link_uart.cpp: the two rings,
// the counters and the lit::board::link_* calls) and a board's driver. The
// driver's ISR calls the link_isr functions, and only from that one interrupt
// context (or several that cannot preempt each other); the common part calls
// the driver's link_driver functions from the main loop.
#pragma once

#include <cstdint>

namespace lit::board::link_isr {

// A byte came off the UART: into the RX ring, or counted as rx_ring_full.
void received(std::uint8_t byte);
// The UART reported that a byte was overwritten before it could be read.
void overrun();
// The next byte to transmit, if the TX ring holds one; counts it as sent.
bool next_to_send(std::uint8_t& byte);
// Whether the TX ring holds anything (the driver keeps its TX interrupt on while it does).
bool sending();

}  // namespace lit::board::link_isr

namespace lit::board::link_driver {

// Implemented by each board: configure the UART for 8N1 at `baud` and enable its interrupts.
void start(std::uint32_t baud);
// Implemented by each board: bytes are waiting in the TX ring; have the ISR
// send them. Called after every link_write() that queued something.
void start_transmitting();

}  // namespace lit::board::link_driver
