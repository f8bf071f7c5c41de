package http

import (
	"fmt"
	"net/http"
	"reflect"
	"strconv"
	"sync"
)

// pathField is one field of a request type filled from a path parameter.
type pathField struct {
	index int
	param string
	name  string
	kind  reflect.Kind
}

// pathPlan lists the fields JSONDecoder fills, computed once per type.
type pathPlan []pathField

// plannedPath is a type's path plan, or the error that type makes.
type plannedPath struct {
	plan pathPlan
	err  error
}

// pathPlans caches plannedPath values by request type.
var pathPlans sync.Map // reflect.Type → plannedPath

// pathPlanFor returns t's path plan, computing it on first use.
func pathPlanFor(t reflect.Type) (pathPlan, error) {
	if p, ok := pathPlans.Load(t); ok {
		pp := p.(plannedPath)
		return pp.plan, pp.err
	}
	plan, err := newPathPlan(t)
	pathPlans.Store(t, plannedPath{plan, err})
	return plan, err
}

func newPathPlan(t reflect.Type) (pathPlan, error) {
	if t.Kind() != reflect.Struct {
		return nil, nil
	}
	var plan pathPlan
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		param, ok := f.Tag.Lookup("path")
		if !ok || param == "" || param == "-" {
			continue
		}
		if !f.IsExported() {
			return nil, fmt.Errorf("%w: %s.%s has a path tag but is not exported", ErrBadRoute, t, f.Name)
		}
		switch f.Type.Kind() {
		case reflect.String, reflect.Bool, reflect.Float32, reflect.Float64,
			reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
			reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		default:
			return nil, fmt.Errorf("%w: %s.%s is a %s; path parameters fill only strings, numbers and booleans",
				ErrBadRoute, t, f.Name, f.Type)
		}
		plan = append(plan, pathField{index: i, param: param, name: f.Name, kind: f.Type.Kind()})
	}
	return plan, nil
}

// fill sets the planned fields of v (a struct) from r's path parameters.
// Parameters the route does not have are left as the body set them.
func (p pathPlan) fill(v reflect.Value, r *http.Request) error {
	for _, f := range p {
		s := r.PathValue(f.param)
		if s == "" {
			continue
		}
		fv := v.Field(f.index)
		var err error
		switch f.kind {
		case reflect.String:
			fv.SetString(s)
		case reflect.Bool:
			var b bool
			b, err = strconv.ParseBool(s)
			fv.SetBool(b)
		case reflect.Float32, reflect.Float64:
			var x float64
			x, err = strconv.ParseFloat(s, fv.Type().Bits())
			fv.SetFloat(x)
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			var x int64
			x, err = strconv.ParseInt(s, 10, fv.Type().Bits())
			fv.SetInt(x)
		default: // unsigned, per newPathPlan
			var x uint64
			x, err = strconv.ParseUint(s, 10, fv.Type().Bits())
			fv.SetUint(x)
		}
		if err != nil {
			return badJSON(fmt.Sprintf("path parameter %q: %q is not a valid %s", f.param, s, kindName(fv.Type())), err)
		}
	}
	return nil
}
