import type { ChatMessage } from '@chat/protocol';

/** The one encoding step of socket.io-adapter's broadcast, for every broadcast a gateway fans out. */
interface EncodingAdapter {
  _encode(packet: { data?: unknown[] }, options: unknown): unknown;
}

/**
 * Wraps the Socket.IO adapter factory so that every `message:new` this gateway fans out to its sockets,
 * its own broadcasts and those other gateways sent through Redis alike, observes send→deliver: from the
 * message's `createdAt` (set by the gateway that took the send, before Kafka) to the moment this gateway
 * writes it to its members' connections. Once per broadcast per gateway, not per socket: the cost stays
 * flat in the room size. Replays after a reconnection are sent socket by socket and are not counted.
 *
 * The adapter encodes a broadcast once (`_encode`) whichever way it came: the one place both paths
 * meet. A socket.io-adapter without it fails here at start-up, so an upgrade cannot drop the metric silently.
 */
export function timedDeliveries(factory: (nsp: unknown) => unknown, deliverSeconds: { observe(seconds: number): void }): (nsp: unknown) => unknown {
  // Socket.IO calls the factory with `new`: a function returning an object can be, an arrow function cannot.
  return function (nsp: unknown) {
    const adapter = factory(nsp) as EncodingAdapter;
    if (typeof adapter._encode !== 'function') throw new Error('socket.io-adapter has no _encode: send→deliver latency cannot be measured (see delivery-latency.ts)');
    const encode = adapter._encode.bind(adapter);
    adapter._encode = (packet, options) => {
      const [event, payload] = packet.data ?? [];
      if (event === 'message:new') {
        const createdAt = Date.parse((payload as ChatMessage | undefined)?.createdAt ?? '');
        if (Number.isFinite(createdAt)) deliverSeconds.observe(Math.max(0, Date.now() - createdAt) / 1000);
      }
      return encode(packet, options);
    };
    return adapter;
  };
}
