// A PROXY protocol version 2 header written by hand, so tests can forge one: an attacker who
// reaches a PROXY port directly sends exactly these bytes, claiming any client address.
// Layout per the PROXY protocol specification (haproxy's doc/proxy-protocol.txt), section 2.2
// "Binary header format (version 2)": a 12-byte signature, one byte version/command, one byte
// address family/transport, a 2-byte big-endian length, then the address block (section 2.2,
// "proxy_addr": IPv4 = src(4) dst(4) sport(2) dport(2); IPv6 = src(16) dst(16) sport(2) dport(2)).
import net from 'node:net';

/** Section 2.2: the fixed 12-byte signature that opens every v2 header. */
export const PROXY_V2_SIGNATURE = Buffer.from([0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a]);

export interface ProxyV2Addresses {
  /** The client address the header claims. */
  sourceAddress: string;
  sourcePort: number;
  /** The address the client is said to have connected to. */
  destinationAddress: string;
  destinationPort: number;
}

const VERSION_2 = 0x20;
const CMD_PROXY = 0x01;
const AF_INET = 0x10;
const AF_INET6 = 0x20;
const STREAM = 0x01;

function ipBytes(ip: string, family: 4 | 6): Buffer {
  if (family === 4) return Buffer.from(ip.split('.').map(Number));
  // Expand "::" so every address is 8 groups of 16 bits.
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const h = head ? head.split(':') : [];
  const tl = tail ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array<string>(8 - h.length - tl.length).fill('0'), ...tl];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g, 16), i * 2));
  return out;
}

function port(p: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(p);
  return b;
}

/** A complete v2 PROXY command header (TCP over IPv4 or IPv6), 16 bytes plus the address block. */
export function proxyV2Header(a: ProxyV2Addresses): Buffer {
  const family = net.isIPv4(a.sourceAddress) ? 4 : net.isIPv6(a.sourceAddress) ? 6 : 0;
  if (family === 0 || net.isIP(a.destinationAddress) !== family) {
    throw new Error(`PROXY v2: ${a.sourceAddress} and ${a.destinationAddress} must be IP addresses of one family`);
  }
  const block = Buffer.concat([
    ipBytes(a.sourceAddress, family),
    ipBytes(a.destinationAddress, family),
    port(a.sourcePort),
    port(a.destinationPort),
  ]);
  const fixed = Buffer.from([VERSION_2 | CMD_PROXY, (family === 4 ? AF_INET : AF_INET6) | STREAM, 0, 0]);
  fixed.writeUInt16BE(block.length, 2);
  return Buffer.concat([PROXY_V2_SIGNATURE, fixed, block]);
}
