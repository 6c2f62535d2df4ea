package hubspot

import (
	"context"
	"net/http"
)

// Wire types of the CRM search call: filter groups are ORed, the filters of
// a group ANDed.
type (
	searchFilter struct {
		PropertyName string   `json:"propertyName"`
		Operator     string   `json:"operator"`
		Value        string   `json:"value,omitempty"`
		Values       []string `json:"values,omitempty"` // for IN: lower-case, as HubSpot asks for string properties
	}
	filterGroup struct {
		Filters []searchFilter `json:"filters"`
	}
	searchRequest struct {
		FilterGroups []filterGroup `json:"filterGroups"`
		Properties   []string      `json:"properties"`
		Limit        int           `json:"limit"`
	}
	searchResponse struct {
		Total   int            `json:"total"`
		Results []objectResult `json:"results"`
	}
)

// maxSearchLimit is the most results HubSpot's search returns in one page.
const maxSearchLimit = 200

// search runs a CRM search on an object type (POST
// /crm/v3/objects/<object>/search) and returns the first page of results.
// HubSpot's search index lags a few seconds behind writes (at times
// minutes): a search does not see what was just written.
func (c *Client) search(ctx context.Context, op, object string, req searchRequest) ([]objectResult, error) {
	var out searchResponse
	_, err := c.do(ctx, call{op: op, method: http.MethodPost, path: "/crm/v3/objects/" + object + "/search", in: req, out: &out, idempotent: true})
	return out.Results, err
}
