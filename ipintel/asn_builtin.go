package ipintel

// builtinASN maps well-known ASNs to a class. It only takes effect with an IP→ASN database.
// Hosting: the large clouds and VPS providers, whose address space churns too fast for
// static prefix lists. Mobile: ASNs dedicated to cellular networks (docs/risk-notes.md, "Mobile networks");
// incumbents that run fixed and mobile under one ASN (Orange AS3215, Vodafone DE AS3209,
// Telefónica DE AS6805) are deliberately absent, since CGNAT leniency there would also cover
// fixed lines. Immutable table.
var builtinASN = map[uint32]Class{
	// Hosting and cloud.
	16509:  ClassHosting, // Amazon AWS
	14618:  ClassHosting, // Amazon AES
	8987:   ClassHosting, // Amazon Data Services Ireland
	15169:  ClassHosting, // Google
	396982: ClassHosting, // Google Cloud Platform
	19527:  ClassHosting, // Google
	8075:   ClassHosting, // Microsoft (Azure)
	16276:  ClassHosting, // OVH
	24940:  ClassHosting, // Hetzner Online
	14061:  ClassHosting, // DigitalOcean
	63949:  ClassHosting, // Linode / Akamai Connected Cloud
	20473:  ClassHosting, // Vultr (The Constant Company, ex Choopa)
	31898:  ClassHosting, // Oracle Cloud
	45102:  ClassHosting, // Alibaba Cloud
	37963:  ClassHosting, // Alibaba (Hangzhou)
	132203: ClassHosting, // Tencent Cloud
	45090:  ClassHosting, // Shenzhen Tencent
	136907: ClassHosting, // Huawei Cloud
	51167:  ClassHosting, // Contabo
	12876:  ClassHosting, // Scaleway (Online SAS)
	36351:  ClassHosting, // IBM Cloud (SoftLayer)
	60781:  ClassHosting, // Leaseweb NL
	16265:  ClassHosting, // Leaseweb
	47583:  ClassHosting, // Hostinger
	8560:   ClassHosting, // IONOS
	9009:   ClassHosting, // M247
	13335:  ClassHosting, // Cloudflare (Workers/WARP egress; trusted-proxy ranges are handled elsewhere)

	// Dedicated mobile carriers.
	21928:  ClassMobile, // T-Mobile US
	20057:  ClassMobile, // AT&T Mobility
	6167:   ClassMobile, // Verizon Wireless (Cellco Partnership)
	22394:  ClassMobile, // Verizon Wireless (Cellco Partnership)
	55836:  ClassMobile, // Reliance Jio
	45609:  ClassMobile, // Bharti Airtel mobility
	38266:  ClassMobile, // Vodafone Idea
	9808:   ClassMobile, // China Mobile
	56040:  ClassMobile, // China Mobile (Guangdong)
	12576:  ClassMobile, // EE
	35228:  ClassMobile, // Telefónica UK (O2)
	25135:  ClassMobile, // Vodafone UK
	206067: ClassMobile, // Three UK
	51207:  ClassMobile, // Free Mobile
}
