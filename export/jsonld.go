package export

import (
	"bufio"
	"encoding/json"
	"strings"

	"github.com/jobcrawl/jobcrawl/index"
)

// The JSON-LD export is one JSON-LD document: a schema.org context and a
// @graph of JobPosting nodes, one a line:
//
//	{"@context":"https://schema.org","@graph":[
//	{"@type":"JobPosting",...},
//	...
//	]}
//
// so it is valid JSON and valid JSON-LD as a whole, and still streams.

// The schema.org shapes the JSON-LD export writes.
type (
	jobPosting struct {
		Type                 string          `json:"@type"`
		ID                   string          `json:"@id,omitempty"`
		Title                string          `json:"title"`
		Identifier           *propertyValue  `json:"identifier,omitempty"`
		URL                  string          `json:"url,omitempty"`
		DatePosted           string          `json:"datePosted,omitempty"`
		ValidThrough         string          `json:"validThrough,omitempty"`
		EmploymentType       string          `json:"employmentType,omitempty"`
		HiringOrganization   *organization   `json:"hiringOrganization,omitempty"`
		JobLocation          []place         `json:"jobLocation,omitempty"`
		JobLocationType      string          `json:"jobLocationType,omitempty"`
		ApplicantLocation    []country       `json:"applicantLocationRequirements,omitempty"`
		BaseSalary           *monetaryAmount `json:"baseSalary,omitempty"`
		OccupationalCategory string          `json:"occupationalCategory,omitempty"`
		Description          string          `json:"description,omitempty"`
		Qualifications       []string        `json:"qualifications,omitempty"`
		Responsibilities     []string        `json:"responsibilities,omitempty"`
		JobBenefits          []string        `json:"jobBenefits,omitempty"`
	}
	propertyValue struct {
		Type  string `json:"@type"`
		Name  string `json:"name,omitempty"`
		Value string `json:"value"`
	}
	organization struct {
		Type       string        `json:"@type"`
		Name       string        `json:"name,omitempty"`
		Department *organization `json:"department,omitempty"` // schema.org: an Organization
	}
	place struct {
		Type    string        `json:"@type"`
		Name    string        `json:"name,omitempty"`
		Address postalAddress `json:"address"`
	}
	postalAddress struct {
		Type     string `json:"@type"`
		Locality string `json:"addressLocality,omitempty"`
		Region   string `json:"addressRegion,omitempty"`
		Country  string `json:"addressCountry,omitempty"`
	}
	country struct {
		Type string `json:"@type"`
		Name string `json:"name"`
	}
	monetaryAmount struct {
		Type     string            `json:"@type"`
		Currency string            `json:"currency,omitempty"`
		Value    quantitativeValue `json:"value"`
	}
	quantitativeValue struct {
		Type     string   `json:"@type"`
		MinValue *float64 `json:"minValue,omitempty"`
		MaxValue *float64 `json:"maxValue,omitempty"`
		UnitText string   `json:"unitText,omitempty"`
	}
)

// employmentTypes maps jobcrawl's employment types to schema.org's
// (Google's) values.
var employmentTypes = map[string]string{"full_time": "FULL_TIME", "part_time": "PART_TIME", "contract": "CONTRACTOR",
	"temporary": "TEMPORARY", "internship": "INTERN", "other": "OTHER"}

// JobPosting is the schema.org JobPosting of a record, as the JSON-LD
// export writes it (without @context, which the document carries once).
func JobPosting(r index.Record) any { return jobPostingOf(&r) }

func jobPostingOf(r *index.Record) *jobPosting {
	jp := &jobPosting{Type: "JobPosting", Title: r.Title, URL: r.URL, DatePosted: r.DatePosted, ValidThrough: r.ValidThrough,
		OccupationalCategory: r.JobFamily, Description: r.Description, Qualifications: r.Qualifications,
		Responsibilities: r.Responsibilities, JobBenefits: r.Benefits}
	if r.URL != "" {
		jp.ID = r.URL
	}
	if r.JobNumber != "" {
		name := r.Company
		if name == "" {
			name = r.Site
		}
		jp.Identifier = &propertyValue{Type: "PropertyValue", Name: name, Value: r.JobNumber}
	}
	if r.EmploymentType != "" {
		if t, ok := employmentTypes[r.EmploymentType]; ok {
			jp.EmploymentType = t
		} else {
			jp.EmploymentType = strings.ToUpper(r.EmploymentType)
		}
	}
	if r.Company != "" || r.Department != "" {
		jp.HiringOrganization = &organization{Type: "Organization", Name: r.Company}
		if r.Department != "" {
			jp.HiringOrganization.Department = &organization{Type: "Organization", Name: r.Department}
		}
	}
	// the city, region and country lists name each location's parts when
	// they line up with the locations (one each); otherwise the place is
	// its name, and a single location takes the lists' first values
	aligned := func(v []string, i int) string {
		if len(v) == len(r.Locations) || len(r.Locations) == 1 && len(v) > 0 {
			return v[min(i, len(v)-1)]
		}
		return ""
	}
	for i, loc := range r.Locations {
		jp.JobLocation = append(jp.JobLocation, place{Type: "Place", Name: loc, Address: postalAddress{Type: "PostalAddress",
			Locality: aligned(r.Cities, i), Region: aligned(r.Regions, i), Country: aligned(r.Countries, i)}})
	}
	if r.Remote || r.WorkplaceType == "remote" {
		jp.JobLocationType = "TELECOMMUTE"
		for _, c := range r.Countries {
			jp.ApplicantLocation = append(jp.ApplicantLocation, country{Type: "Country", Name: c})
		}
	}
	if r.SalaryMin != 0 || r.SalaryMax != 0 {
		v := quantitativeValue{Type: "QuantitativeValue", UnitText: strings.ToUpper(r.SalaryPeriod)}
		if r.SalaryMin != 0 {
			x := r.SalaryMin
			v.MinValue = &x
		}
		if r.SalaryMax != 0 {
			x := r.SalaryMax
			v.MaxValue = &x
		}
		jp.BaseSalary = &monetaryAmount{Type: "MonetaryAmount", Currency: r.SalaryCurrency, Value: v}
	}
	return jp
}

type jsonldEncoder struct {
	enc *json.Encoder
	n   int
}

func (e *jsonldEncoder) begin(w *bufio.Writer) error {
	e.enc = json.NewEncoder(w)
	_, err := w.WriteString(`{"@context":"https://schema.org","@graph":[` + "\n")
	return err
}

func (e *jsonldEncoder) record(w *bufio.Writer, r *index.Record) error {
	if e.n > 0 {
		if err := w.WriteByte(','); err != nil {
			return err
		}
	}
	e.n++
	return e.enc.Encode(jobPostingOf(r))
}

func (e *jsonldEncoder) end(w *bufio.Writer) error {
	_, err := w.WriteString("]}\n")
	return err
}
