package pivday

import (
	"time"
)

// --- whites -----------------------------------------------------------------------

func (p *PivDay) whiteJSON(w *pivWhite) map[string]any {
	return map[string]any{"id": w.id, "name": w.name, "status": w.status, "tier_key": w.tier, "quality": w.quality,
		"niche": w.niche, "country": w.country, "language": w.lang, "domain": pivNullable(w.domain),
		"result_url": nil, "created_at": pivTS(w.createdAt)}
}

func (p *PivDay) listWhites(c *pivCall) pivReply {
	limit, offset, e := paging(c.r, 100, 500)
	if e != nil {
		return e.reply()
	}
	q := c.r.URL.Query()
	status, hasStatus := 0, q.Get("status") != ""
	if hasStatus {
		v, ok := pivWhiteWords[q.Get("status")]
		if !ok {
			return pivInvalid("status must be queued, processing, done or failed").reply()
		}
		status = v
	}
	tier := q.Get("tier_key")
	if _, ok := pivTierPrices[tier]; tier != "" && !ok {
		return pivInvalid("tier_key must be v2_tier1, v2_tier2 or v2_tier3").reply()
	}
	var match []*pivWhite
	for _, w := range pivNewestFirst(c.a.whites, func(w *pivWhite) time.Time { return w.createdAt }) {
		if (hasStatus && w.status != status) || (tier != "" && w.tier != tier) {
			continue
		}
		match = append(match, w)
	}
	list := []map[string]any{}
	for _, w := range pivPage(match, limit, offset) {
		list = append(list, p.whiteJSON(w))
	}
	return pivOK(map[string]any{"whites": list, "pagination": pivPagination(len(match), limit, offset)})
}

func (p *PivDay) getWhite(c *pivCall) pivReply {
	id := c.r.PathValue("id")
	for _, w := range c.a.whites {
		if w.id == id {
			return pivOK(map[string]any{"white": p.whiteJSON(w)})
		}
	}
	return pivNotFound("White").reply()
}
