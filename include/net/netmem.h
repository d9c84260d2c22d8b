/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Network memory: a reference to memory the networking stack carries in skb
 * frags and page_pools, which is either a struct page (host memory) or a
 * struct net_iov (memory that has no struct page, e.g. a chunk of a dma-buf
 * in device memory).  The CPU must never read or write the payload behind
 * a net_iov: skbs holding one are "unreadable" (see skb_frags_readable()).
 *
 * The representation follows mainline Linux's netmem (6.12):
 * a netmem_ref is an unsigned long whose bit 0 tells the two kinds apart,
 * and struct net_iov mirrors the page_pool fields of struct page so that
 * page_pool code may test pp_magic and pp on either.
 *
 * See Documentation/networking/netmem.rst.
 */
#ifndef _NET_NETMEM_H
#define _NET_NETMEM_H

#include <linux/mm.h>
#include <linux/mm_types.h>
#include <linux/build_bug.h>

struct page_pool;

/**
 * typedef netmem_ref - a reference to network memory
 *
 * Either a struct page pointer (bit 0 clear) or a struct net_iov pointer
 * with bit 0 (NET_IOV) set.  Never dereference it directly; use the
 * helpers below.  __bitwise so that sparse catches mixing it with plain
 * pointers or integers.
 */
typedef unsigned long __bitwise netmem_ref;

/* Bit 0 of a netmem_ref marks a struct net_iov. */
#define NET_IOV 0x01UL

/**
 * enum net_iov_type - who provides the memory behind a net_iov
 * @NET_IOV_DMABUF: a PAGE_SIZE chunk of a dma-buf bound with bind-rx or
 *	bind-tx (net/core/devmem.c)
 */
enum net_iov_type {
	NET_IOV_DMABUF,
};

/**
 * struct net_iov_area - a run of net_iovs over contiguous provider memory
 * @niovs: the net_iovs, one per PAGE_SIZE
 * @num_niovs: number of entries in @niovs
 * @base_virtual: offset in bytes of the area's first byte inside the
 *	provider's memory (for a dma-buf: the offset inside the dma-buf)
 */
struct net_iov_area {
	struct net_iov *niovs;
	size_t num_niovs;
	unsigned long base_virtual;
};

/**
 * struct net_iov - a PAGE_SIZE piece of memory without a struct page
 * @__unused_padding: mirrors page->flags (never used; page_pool code that
 *	reads a page's flags must branch on netmem_is_net_iov() first)
 * @pp_magic: PP_SIGNATURE while a page_pool owns the net_iov (mirrors
 *	page->pp_magic)
 * @pp: the owning page_pool, NULL when none (TX net_iovs); mirrors page->pp
 * @owner: the area this net_iov belongs to (mirrors page->_pp_mapping_pad)
 * @dma_addr: the device address of the chunk (mirrors page->dma_addr)
 * @pp_ref_count: references held by the page_pool's users (skb frags,
 *	socket tokens) while @pp is set; mirrors page->pp_frag_count
 * @type: the provider kind
 *
 * Layout as in mainline: the fields page_pool reads sit at the same offsets
 * as in struct page (checked below).
 */
struct net_iov {
	unsigned long __unused_padding;
	unsigned long pp_magic;
	struct page_pool *pp;
	struct net_iov_area *owner;
	unsigned long dma_addr;
	atomic_long_t pp_ref_count;
	enum net_iov_type type;
};

#define NET_IOV_ASSERT_OFFSET(pg, iov) \
	static_assert(offsetof(struct page, pg) == offsetof(struct net_iov, iov))
NET_IOV_ASSERT_OFFSET(flags, __unused_padding);
NET_IOV_ASSERT_OFFSET(pp_magic, pp_magic);
NET_IOV_ASSERT_OFFSET(pp, pp);
NET_IOV_ASSERT_OFFSET(dma_addr, dma_addr);
NET_IOV_ASSERT_OFFSET(pp_frag_count, pp_ref_count);
#undef NET_IOV_ASSERT_OFFSET

/**
 * net_iov_owner() - the area a net_iov belongs to
 * @niov: the net_iov
 */
static inline struct net_iov_area *net_iov_owner(const struct net_iov *niov)
{
	return niov->owner;
}

/**
 * net_iov_idx() - index of a net_iov inside its area
 * @niov: the net_iov
 */
static inline unsigned int net_iov_idx(const struct net_iov *niov)
{
	return niov - net_iov_owner(niov)->niovs;
}

/**
 * net_iov_virtual_addr() - offset of a net_iov inside the provider memory
 * @niov: the net_iov
 *
 * Return: the byte offset of the net_iov's first byte inside its provider's
 * memory; for a dma-buf net_iov this is the offset inside the dma-buf that
 * SCM_DEVMEM_DMABUF reports to user space.
 */
static inline unsigned long net_iov_virtual_addr(const struct net_iov *niov)
{
	struct net_iov_area *owner = net_iov_owner(niov);

	return owner->base_virtual +
	       ((unsigned long)net_iov_idx(niov) << PAGE_SHIFT);
}

/**
 * netmem_is_net_iov() - does a netmem_ref refer to a net_iov?
 * @netmem: the reference
 */
static inline bool netmem_is_net_iov(const netmem_ref netmem)
{
	return (__force unsigned long)netmem & NET_IOV;
}

/**
 * netmem_to_page() - the struct page behind a netmem_ref
 * @netmem: the reference
 *
 * Return: the page, or NULL (with a one-time warning) if @netmem is a
 * net_iov, which has no struct page.
 */
static inline struct page *netmem_to_page(netmem_ref netmem)
{
	if (WARN_ON_ONCE(netmem_is_net_iov(netmem)))
		return NULL;
	return (__force struct page *)netmem;
}

/**
 * netmem_to_net_iov() - the net_iov behind a netmem_ref
 * @netmem: the reference
 *
 * Return: the net_iov, or NULL if @netmem refers to a page.
 */
static inline struct net_iov *netmem_to_net_iov(netmem_ref netmem)
{
	if (!netmem_is_net_iov(netmem))
		return NULL;
	return (struct net_iov *)((__force unsigned long)netmem & ~NET_IOV);
}

/**
 * net_iov_to_netmem() - make a netmem_ref for a net_iov
 * @niov: the net_iov
 */
static inline netmem_ref net_iov_to_netmem(struct net_iov *niov)
{
	return (__force netmem_ref)((unsigned long)niov | NET_IOV);
}

/**
 * page_to_netmem() - make a netmem_ref for a page
 * @page: the page
 */
static inline netmem_ref page_to_netmem(struct page *page)
{
	return (__force netmem_ref)page;
}

/**
 * netmem_address() - kernel virtual address of network memory
 * @netmem: the reference
 *
 * Return: page_address() of a page; NULL for a net_iov, which the CPU
 * cannot address.
 */
static inline void *netmem_address(netmem_ref netmem)
{
	if (netmem_is_net_iov(netmem))
		return NULL;
	return page_address(netmem_to_page(netmem));
}

/**
 * netmem_dma_addr() - the DMA address a page_pool recorded for netmem
 * @netmem: the reference
 *
 * Return: the device address of the start of the page or net_iov (for a
 * page: the address page_pool mapped it at, 0 if it did not map it).
 */
static inline dma_addr_t netmem_dma_addr(netmem_ref netmem)
{
	struct net_iov *niov = netmem_to_net_iov(netmem);

	if (niov)
		return niov->dma_addr;
	return netmem_to_page(netmem)->dma_addr;
}

#ifdef CONFIG_NET_DEVMEM
void net_iov_get(struct net_iov *niov);
void net_iov_put(struct net_iov *niov);
#else
static inline void net_iov_get(struct net_iov *niov)
{
	WARN_ON_ONCE(1);
}

static inline void net_iov_put(struct net_iov *niov)
{
	WARN_ON_ONCE(1);
}
#endif

/**
 * get_netmem() - take a reference on network memory
 * @netmem: the reference
 *
 * For a page this is get_page().  For a net_iov it is a reference its owner
 * understands: a page_pool reference while a page_pool owns it (RX), a
 * reference on the dma-buf binding otherwise (TX).  Any context.
 */
static inline void get_netmem(netmem_ref netmem)
{
	if (netmem_is_net_iov(netmem))
		net_iov_get(netmem_to_net_iov(netmem));
	else
		get_page(netmem_to_page(netmem));
}

/**
 * put_netmem() - drop a reference taken with get_netmem()
 * @netmem: the reference
 *
 * Any context; the last reference on a page_pool-owned net_iov returns it
 * to the pool's memory provider.
 */
static inline void put_netmem(netmem_ref netmem)
{
	if (netmem_is_net_iov(netmem))
		net_iov_put(netmem_to_net_iov(netmem));
	else
		put_page(netmem_to_page(netmem));
}

#endif /* _NET_NETMEM_H */
