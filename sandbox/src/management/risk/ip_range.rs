//! CIDR ranges (`1.1.1.1/16`, `2001:db8::/32`) as PingOne Protect's IP range conditions and
//! custom predictors take them; a bare address is a range of one.

use std::net::IpAddr;

/// A parsed range: the network address and prefix length.
#[derive(Debug, Clone, Copy)]
pub struct IpRange {
    network: IpAddr,
    prefix: u32,
}

impl IpRange {
    pub fn parse(text: &str) -> Option<IpRange> {
        let (address, prefix) = match text.trim().split_once('/') {
            Some((address, prefix)) => (address, Some(prefix.parse::<u32>().ok()?)),
            None => (text.trim(), None),
        };
        let network: IpAddr = address.parse().ok()?;
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(bits);
        (prefix <= bits).then_some(IpRange { network, prefix })
    }

    /// Whether `ip` lies in the range; host bits of the range's address are ignored,
    /// as they are in PingOne's examples (`1.1.1.1/16`).
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                let mask = u32::MAX.checked_shl(32 - self.prefix).unwrap_or(0);
                u32::from(net) & mask == u32::from(ip) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                let mask = u128::MAX.checked_shl(128 - self.prefix).unwrap_or(0);
                u128::from(net) & mask == u128::from(ip) & mask
            }
            _ => false,
        }
    }
}

/// Whether `ip` lies in any of the ranges (unparsable entries match nothing).
pub fn any_contains(ranges: &[String], ip: &str) -> bool {
    let Ok(ip) = ip.parse::<IpAddr>() else {
        return false;
    };
    ranges
        .iter()
        .filter_map(|r| IpRange::parse(r))
        .any(|r| r.contains(ip))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_ignore_host_bits_and_families_do_not_mix() {
        let range = IpRange::parse("1.1.1.1/16").unwrap();
        assert!(range.contains("1.1.200.7".parse().unwrap()));
        assert!(!range.contains("1.2.0.1".parse().unwrap()));
        assert!(!range.contains("::1".parse().unwrap()));
        assert!(
            IpRange::parse("0.0.0.0/0")
                .unwrap()
                .contains("8.8.8.8".parse().unwrap())
        );
        assert!(
            IpRange::parse("2001:db8::/32")
                .unwrap()
                .contains("2001:db8::5".parse().unwrap())
        );
        assert!(
            IpRange::parse("10.0.0.1")
                .unwrap()
                .contains("10.0.0.1".parse().unwrap())
        );
        assert!(IpRange::parse("10.0.0.0/33").is_none());
        assert!(IpRange::parse("not-an-ip/8").is_none());
    }
}
